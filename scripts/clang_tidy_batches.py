#!/usr/bin/env python3
"""clang-tidy over every project source in few parses (scripts/lint --clang-tidy-batched BUILD).

Why: clang-tidy 14 runs every check over the whole AST of a translation unit, and most of that AST
is Boost (Beast, Asio, JSON) and the standard library: about 10 of a typical unit's 14 CPU-s go to
matching declarations of system headers whose findings are then thrown away. Parsing several
project sources in one translation unit pays that once for all of them.

BUILD is a configured (not necessarily built) unity tree (make test configures build-tidy): its
compile_commands.json lists CMake's unity files, each #including up to eight sources of one target,
which the compiler accepts together. Those groups are packed further, across targets and in path
order, into batches of up to --max-sources sources (32: about 1.1 GB per clang-tidy); a batch's
flags are the union of its groups' -D/-I flags. In a batch of several groups every program's
main() and libFuzzer entry points get their own names (#define main main_3), and a batch holds at
most one program (a source defining main()) per top-level directory: the programs of one directory
share file-local helper names (g_stop, now_seconds) that would collide. Other collisions (the same
name in two anonymous namespaces, the same TEST) are not a finding: when a batch does not compile
(or clang-tidy crashes), the groups the compile errors point at are run as a batch of their own
and the others again without them (halves when the errors point at no group), down to single
groups, which are exactly what CMake compiles. Every finding is still reported; a collision only
costs time.

The batch files are written to BUILD/clang-tidy/. The sources they include are "headers" to
clang-tidy, so .clang-tidy's HeaderFilterRegex matches project .cc files too. Exit status 1 on any
finding, 2 on a project source that BUILD does not compile.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

PROJECT_DIRS = ("src", "apps", "tests", "bench", "fuzz")
ENTRY_POINTS = ("main", "LLVMFuzzerTestOneInput", "LLVMFuzzerInitialize")
MAIN = re.compile(r"^int\s+main\s*\(", re.M)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def project_file(root, path):
    rel = os.path.relpath(path, root)
    return not rel.startswith("..") and rel.split(os.sep)[0] in PROJECT_DIRS


def split_command(entry):
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    out, skip = [], False
    for i, a in enumerate(args[1:], 1):
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a == "-c" or os.path.realpath(os.path.join(entry["directory"], a)) == entry["_file"]:
            continue
        out.append(a)
    return args[0], out


def load_groups(root, build):
    groups = []
    for entry in json.load(open(os.path.join(build, "compile_commands.json"))):
        entry["_file"] = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
        f = entry["_file"]
        if "/Unity/unity_" in f:
            sources = [os.path.realpath(p) for p in INCLUDE.findall(open(f).read())]
        else:
            sources = [f]
        sources = [s for s in sources if project_file(root, s)]  # not generated sources
        if not sources:
            continue
        compiler, flags = split_command(entry)
        # Programs of one directory tend to share file-local helper names (g_stop, now_seconds):
        # the top-level directories of the sources that define main().
        programs = {os.path.relpath(s, root).split(os.sep)[0] for s in sources
                    if MAIN.search(open(s, errors="replace").read())}
        groups.append({"sources": sources, "flags": flags, "compiler": compiler,
                       "directory": entry["directory"], "programs": programs})
    return groups


def merge_flags(flag_lists):
    """First list's flags, plus the -D/-I/-isystem of the others; None if two -D values differ."""
    merged = list(flag_lists[0])
    defines = {}
    for flags in flag_lists:
        for a in flags:
            if a.startswith("-D"):
                name, _, value = a[2:].partition("=")
                if defines.setdefault(name, value) != value:
                    return None
    for flags in flag_lists[1:]:
        i = 0
        while i < len(flags):
            a = flags[i]
            if a in ("-isystem", "-I") and i + 1 < len(flags):
                pair = [a, flags[i + 1]]
                if not any(merged[j:j + 2] == pair for j in range(len(merged))):
                    merged[0:0] = pair
                i += 2
                continue
            if (a.startswith("-D") or a.startswith("-I")) and a not in merged:
                merged.insert(0, a)
            i += 1
    return merged


def pack(groups, max_sources):
    """Groups in path order (neighbours share the most headers), first-fit into batches; at most
    one program (main()) of each top-level directory per batch."""
    batches = []
    for g in sorted(groups, key=lambda g: g["sources"][0]):
        for b in batches:
            if (sum(len(x["sources"]) for x in b) + len(g["sources"]) <= max_sources
                    and not any(x["programs"] & g["programs"] for x in b)
                    and merge_flags([x["flags"] for x in b] + [g["flags"]]) is not None):
                b.append(g)
                break
        else:
            batches.append([g])
    return batches


def split_failed(batch, output):
    """A merged batch that does not compile: the groups whose sources the errors point at go to a
    batch of their own, the rest stay together; halves when that does not separate anything."""
    error_files = {os.path.realpath(m) for m in
                   re.findall(r"^(/[^:]+):\d+:\d+: error: .*\[clang-diagnostic-error\]$", output, re.M)}
    bad = [g for g in batch if error_files & set(g["sources"])]
    good = [g for g in batch if g not in bad]
    if bad and good:
        return [good, bad]
    half = len(batch) // 2
    return [batch[:half], batch[half:]]


def write_batch(outdir, name, batch):
    path = os.path.join(outdir, name + ".cc")
    with open(path, "w") as f:
        f.write("// Generated by scripts/clang_tidy_batches.py: sources linted in one parse.\n")
        for i, g in enumerate(batch):
            # Each program's main() / fuzz entry point gets its own name (only in a merged batch;
            # a group run alone is exactly CMake's unit).
            rename = ENTRY_POINTS if len(batch) > 1 else ()
            for e in rename:
                f.write("#define %s %s_%d\n" % (e, e, i))
            for s in g["sources"]:
                f.write('#include "%s"  // NOLINT(bugprone-suspicious-include): batch\n' % s)
            for e in rename:
                f.write("#undef %s\n" % e)
    flags = merge_flags([g["flags"] for g in batch])
    return {"directory": batch[0]["directory"], "file": path,
            "arguments": [batch[0]["compiler"]] + flags + ["-c", path]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--max-sources", type=int, default=32)
    ap.add_argument("--clang-tidy", default=os.environ.get("CLANG_TIDY", "clang-tidy"))
    ap.add_argument("--dry-run", action="store_true", help="print the batches only")
    args = ap.parse_args()
    if not shutil.which(args.clang_tidy):
        print("clang-tidy: %s not found (scripts/bootstrap --clang-tidy installs it)" % args.clang_tidy)
        return 2
    root = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
    build = os.path.realpath(args.build)

    groups = load_groups(root, build)
    covered = {s for g in groups for s in g["sources"]}
    missing = []
    for d in PROJECT_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
            dirnames[:] = [x for x in dirnames if x != "node_modules"]
            missing += [os.path.join(dirpath, f) for f in filenames
                        if f.endswith(".cc") and os.path.join(dirpath, f) not in covered]
    if missing:
        print("clang-tidy: not compiled in %s (configure it with every target): %s"
              % (args.build, " ".join(os.path.relpath(m, root) for m in sorted(missing))))
        return 2

    outdir = os.path.join(build, "clang-tidy")
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        os.remove(os.path.join(outdir, f))
    batches = pack(groups, args.max_sources)
    print("clang-tidy: %d sources, %d compiler groups, %d batches"
          % (len(covered), len(groups), len(batches)), flush=True)
    if args.dry_run:
        for b in batches:
            print(" ", sum(len(g["sources"]) for g in b), " ".join(
                os.path.relpath(s, root) for g in b for s in g["sources"]))
        return 0

    db, counter = [], [0]

    def run(batch):
        counter[0] += 1
        name = "batch_%03d" % counter[0]
        entry = write_batch(outdir, name, batch)
        db.append(entry)
        with open(os.path.join(outdir, "compile_commands.json"), "w") as f:
            json.dump(db, f)
        start = time.monotonic()
        p = subprocess.run([args.clang_tidy, "--quiet", "--config-file=" + os.path.join(root, ".clang-tidy"),
                            "-p", outdir, entry["file"]],
                           cwd=root, capture_output=True, text=True)
        return name, batch, p, time.monotonic() - start

    failed = False
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    pending = {pool.submit(run, b) for b in batches}
    while pending:
        done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
        for fut in done:
            name, batch, p, secs = fut.result()
            out = p.stdout + p.stderr
            n = sum(len(g["sources"]) for g in batch)
            crashed = p.returncode < 0 or "Stack dump:" in out
            if len(batch) > 1 and (crashed or "[clang-diagnostic-error]" in out):
                # Not a finding: the sources do not compile together (or clang-tidy crashed on the
                # big unit); smaller batches, down to CMake's own units, sort it out.
                parts = split_failed(batch, "" if crashed else out)
                first = "crashed" if crashed else next(
                    (l for l in out.splitlines() if l.endswith("[clang-diagnostic-error]") and ": error: " in l),
                    "compile errors")
                print("clang-tidy: %s (%d sources) does not compile as one unit (%s); run again as "
                      "%s" % (name, n, first.replace(root + "/", ""),
                              " + ".join(str(sum(len(g["sources"]) for g in b)) for b in parts)),
                      flush=True)
                pending |= {pool.submit(run, b) for b in parts}
                continue
            print("clang-tidy: %s: %d sources, %.0f s%s" % (name, n, secs,
                  "" if p.returncode == 0 else ", FINDINGS"), flush=True)
            if p.returncode != 0:
                failed = True
                lines = [l for l in out.splitlines() if not re.match(r"^\d+ warnings? (and \d+ errors? )?generated\.$", l)
                         and not l.startswith("Suppressed ") and not l.startswith("Use -header-filter")
                         and not l.startswith("Error while processing")]
                print("\n".join(lines), flush=True)
    pool.shutdown()
    print("clang-tidy: " + ("FINDINGS (see above)" if failed else "clean"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
