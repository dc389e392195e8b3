/* usdt.bpf.h includes <linux/errno.h>, which wants the architecture's <asm/errno.h>; the BPF target has none, and the
 * generic one is all it needs. */
#include <asm-generic/errno.h>
