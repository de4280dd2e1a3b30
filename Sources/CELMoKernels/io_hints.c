/* I/O hints that Swift's Glibc module does not expose (they need _GNU_SOURCE). */
#define _GNU_SOURCE
#include <fcntl.h>

#include "elmo_kernels.h"

int elmk_start_writeback(int fd, long long offset, long long count) {
#ifdef SYNC_FILE_RANGE_WRITE
  return sync_file_range(fd, (off_t)offset, (off_t)count, SYNC_FILE_RANGE_WRITE);
#else
  (void)fd; (void)offset; (void)count;
  return 0;
#endif
}
