// libpng (Debian's libpng-dev). Chorus uses only the simplified API (png_image_*), which reports
// errors through png_image.message instead of longjmp, so it is safe to call from Swift.
#include <png.h>
