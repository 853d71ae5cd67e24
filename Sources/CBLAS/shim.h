// OpenBLAS's CBLAS interface (Debian's libopenblas-dev, pthread build).
#include <cblas.h>
