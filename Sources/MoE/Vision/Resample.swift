/// Antialiased bilinear resampling of 8-bit RGB, as torchvision's `resize(..., antialias=True)`
/// computes it on uint8 tensors (PyTorch aten/src/ATen/native/cpu/UpSampleKernel.cpp,
/// `_compute_weights_aa` and `_compute_index_ranges_int16_weights`; the same scheme as Pillow's
/// ImagingResample): separable, horizontal pass first then vertical, each output pixel a
/// triangle-filter average whose support widens with the downscale factor, weights normalized
/// and then quantized to int16 with one precision for the whole pass, sums rounded and clamped
/// to a byte after each pass.
enum Resample {
    /// `image` resized to `width × height`.
    static func bilinear(_ image: DecodedImage, width: Int, height: Int) -> DecodedImage {
        var w = image.width, h = image.height
        var px = image.pixels
        if width != w {
            px = horizontal(px, width: w, height: h, to: width)
            w = width
        }
        if height != h {
            px = vertical(px, width: w, height: h, to: height)
            h = height
        }
        return DecodedImage(width: w, height: h, pixels: px)
    }

    /// Per output index: first input index, weights (int16 range) and the pass's precision.
    struct Taps {
        var start: [Int]
        var weights: [[Int32]]
        var precision: Int
    }

    /// Filter taps for resizing `inSize` samples to `outSize` (torch `_compute_weights_aa` with the
    /// bilinear filter max(0, 1 − |x|), support 1 × scale when downscaling).
    static func taps(inSize: Int, outSize: Int) -> Taps {
        let scale = Double(inSize) / Double(outSize)
        let support = scale >= 1 ? scale : 1.0
        let invscale = scale >= 1 ? 1 / scale : 1.0
        var starts: [Int] = [], fw: [[Double]] = []
        var wmax = 0.0
        for i in 0..<outSize {
            let center = scale * (Double(i) + 0.5)
            let xmin = max(Int(center - support + 0.5), 0)
            let xsize = min(Int(center + support + 0.5), inSize) - xmin
            var ws = [Double](repeating: 0, count: max(xsize, 0))
            var total = 0.0
            for j in 0..<max(xsize, 0) {
                let x = abs((Double(j + xmin) - center + 0.5) * invscale)
                let v = x < 1 ? 1 - x : 0
                ws[j] = v
                total += v
            }
            if total != 0 { for j in ws.indices { ws[j] /= total; wmax = max(wmax, ws[j]) } }
            starts.append(xmin)
            fw.append(ws)
        }
        // Largest precision (< 22 bits) at which twice the biggest weight still fits in int16.
        var precision = 0
        while precision < 22 {
            if Int(0.5 + wmax * Double(1 << (precision + 1))) >= 1 << 15 { break }
            precision += 1
        }
        let one = Double(1 << precision)
        let iw = fw.map { ws in ws.map { v in Int32(v < 0 ? Int(-0.5 + v * one) : Int(0.5 + v * one)) } }
        return Taps(start: starts, weights: iw, precision: precision)
    }

    @inline(__always) static func clampByte(_ s: Int32, _ precision: Int) -> UInt8 {
        let v = s >> Int32(precision)
        return UInt8(min(max(v, 0), 255))
    }

    static func horizontal(_ src: [UInt8], width: Int, height: Int, to outW: Int) -> [UInt8] {
        let t = taps(inSize: width, outSize: outW)
        var dst = [UInt8](repeating: 0, count: outW * height * 3)
        let initial: Int32 = t.precision > 0 ? 1 << Int32(t.precision - 1) : 0
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                for y in 0..<height {
                    let row = y * width * 3
                    for x in 0..<outW {
                        let x0 = t.start[x], ws = t.weights[x]
                        for c in 0..<3 {
                            var acc = initial
                            for (j, wt) in ws.enumerated() { acc += Int32(s[row + (x0 + j) * 3 + c]) * wt }
                            d[(y * outW + x) * 3 + c] = clampByte(acc, t.precision)
                        }
                    }
                }
            }
        }
        return dst
    }

    static func vertical(_ src: [UInt8], width: Int, height: Int, to outH: Int) -> [UInt8] {
        let t = taps(inSize: height, outSize: outH)
        var dst = [UInt8](repeating: 0, count: width * outH * 3)
        let initial: Int32 = t.precision > 0 ? 1 << Int32(t.precision - 1) : 0
        let stride = width * 3
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                for y in 0..<outH {
                    let y0 = t.start[y], ws = t.weights[y]
                    for i in 0..<stride {
                        var acc = initial
                        for (j, wt) in ws.enumerated() { acc += Int32(s[(y0 + j) * stride + i]) * wt }
                        d[y * stride + i] = clampByte(acc, t.precision)
                    }
                }
            }
        }
        return dst
    }
}
