// Process-control calls Swift cannot import because they are variadic in C (prctl). Header only;
// nothing to link beyond libc.
#include <signal.h>
#include <sys/prctl.h>

/// Asks the kernel to send `sig` to this process when its parent dies (Linux PR_SET_PDEATHSIG).
static inline int ek_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
