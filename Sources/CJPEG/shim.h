// libjpeg-turbo (Debian's libjpeg62-turbo-dev) behind one function.
//
// libjpeg reports fatal errors by calling error_exit, whose default ends the process; the
// documented remedy (libjpeg.txt, "Error handling"; example.c's my_error_exit) is a setjmp in the
// caller and a longjmp from error_exit. Swift cannot call setjmp, so the whole decode lives in
// this inline function: every error becomes a return code and a message.
#ifndef CHORUS_CJPEG_SHIM_H
#define CHORUS_CJPEG_SHIM_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

struct chorus_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int truncated;
};

static void chorus_jpeg_error_exit(j_common_ptr cinfo) {
    struct chorus_jpeg_error *e = (struct chorus_jpeg_error *)cinfo->err;
    longjmp(e->jump, 1);
}

static void chorus_jpeg_emit_message(j_common_ptr cinfo, int level) {
    struct chorus_jpeg_error *e = (struct chorus_jpeg_error *)cinfo->err;
    // level -1: a warning (corrupt data libjpeg recovered from). Premature end of data is
    // remembered: the caller rejects truncated files instead of returning gray rows.
    if (level < 0 && e->pub.msg_code == JWRN_JPEG_EOF) e->truncated = 1;
    if (level < 0) e->pub.num_warnings++;
}

/// Decodes a JPEG held in memory to 8-bit RGB. Returns 0 and sets *out (malloc'ed, width·height·3
/// bytes; free it with free()), *width, *height; or returns 1 (corrupt or unsupported: message in
/// err), 2 (the declared size exceeds max_pixels or max_side; *width/*height hold it), 3 (truncated).
static inline int chorus_jpeg_decode_rgb(const unsigned char *data, unsigned long size,
                                         unsigned char **out, int *width, int *height,
                                         long max_pixels, int max_side, char *err, int err_len) {
    struct jpeg_decompress_struct cinfo;
    struct chorus_jpeg_error jerr;
    unsigned char *volatile buffer = NULL;
    volatile int status = 1;
    *out = NULL; *width = 0; *height = 0;
    if (err_len > 0) err[0] = 0;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = chorus_jpeg_error_exit;
    jerr.pub.emit_message = chorus_jpeg_emit_message;
    jerr.truncated = 0;
    if (setjmp(jerr.jump)) {
        char msg[JMSG_LENGTH_MAX];
        (*cinfo.err->format_message)((j_common_ptr)&cinfo, msg);
        if (err_len > 0) { strncpy(err, msg, (size_t)err_len - 1); err[err_len - 1] = 0; }
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width; *height = (int)cinfo.image_height;
    if (cinfo.image_width == 0 || cinfo.image_height == 0 ||
        (long)cinfo.image_width > max_side || (long)cinfo.image_height > max_side ||
        (long)cinfo.image_width * (long)cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 3) {
        if (err_len > 0) snprintf(err, (size_t)err_len, "unexpected %d output components", cinfo.output_components);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    size_t stride = (size_t)cinfo.output_width * 3;
    buffer = (unsigned char *)malloc(stride * cinfo.output_height);
    if (!buffer) {
        if (err_len > 0) snprintf(err, (size_t)err_len, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffer + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (jerr.truncated) break;
    }
    if (jerr.truncated) {
        if (err_len > 0) snprintf(err, (size_t)err_len, "premature end of JPEG data");
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return 3;
    }
    jpeg_finish_decompress(&cinfo);
    *width = (int)cinfo.output_width; *height = (int)cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    *out = buffer;
    return 0;
}
#endif
