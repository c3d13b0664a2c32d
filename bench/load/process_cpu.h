// CPU time (user + system, all threads) a process has used so far, from /proc/<pid>/stat:
// sampled around a measured window it gives a server's CPU cost per request, a figure that a
// busy shared machine disturbs much less than requests/s.
#pragma once

#include <sys/types.h>

namespace fanout::bench {

// Seconds of CPU, or a negative value when the process cannot be read. 10 ms resolution.
double process_cpu_seconds(pid_t pid);

}  // namespace fanout::bench
