/// Where `Model.load` is: reported through its `progress` callback (no terminal code here; the
/// command line draws it).
///
/// A load maps the file and parses its header (`reading`), checks every tensor the configuration
/// needs layer by layer (`validating`), then warms the weights (`warming`: `madvise(WILLNEED)` and
/// one byte read per page, so the first reply does not pay for the disk), and ends with `ready`.
/// Reports are monotonic: `fraction` never decreases and is 1 at `ready`.
public struct LoadProgress: Sendable, Equatable {
    /// What the load is doing.
    public enum Stage: String, Sendable, Equatable {
        /// Mapping the file and parsing its header and tensor table.
        case reading
        /// Checking each layer's tensors (presence, shape, type) against the configuration.
        case validating
        /// Touching the weight pages so they are resident.
        case warming
        /// Done: the model is usable.
        case ready
    }

    /// The current stage.
    public var stage: Stage
    /// The file's size in bytes.
    public var fileBytes: Int
    /// Layers whose tensors have been checked.
    public var layersChecked: Int
    /// Layers in the model (0 until the header is read).
    public var layerCount: Int
    /// Tensors checked so far.
    public var tensorsChecked: Int
    /// Bytes of tensor data warmed so far.
    public var bytesWarmed: Int
    /// Bytes of tensor data to warm (0 when warming is off).
    public var bytesToWarm: Int
    /// Seconds since the load began.
    public var seconds: Double

    /// The whole load's progress in 0...1: checking counts for 5 %, warming for the rest (by bytes).
    public var fraction: Double {
        if stage == .ready { return 1 }
        let checked = layerCount > 0 ? Double(layersChecked) / Double(layerCount) : 0
        let warmed = bytesToWarm > 0 ? Double(bytesWarmed) / Double(bytesToWarm) : 0
        return min(1, 0.05 * checked + 0.95 * warmed)
    }

    /// A report at the start of a load of a `fileBytes`-byte file.
    public init(stage: Stage = .reading, fileBytes: Int = 0, layersChecked: Int = 0, layerCount: Int = 0,
                tensorsChecked: Int = 0, bytesWarmed: Int = 0, bytesToWarm: Int = 0, seconds: Double = 0) {
        self.stage = stage
        self.fileBytes = fileBytes
        self.layersChecked = layersChecked
        self.layerCount = layerCount
        self.tensorsChecked = tensorsChecked
        self.bytesWarmed = bytesWarmed
        self.bytesToWarm = bytesToWarm
        self.seconds = seconds
    }
}
