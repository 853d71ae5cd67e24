/// `GET /v1/models`.
public struct ModelList: Codable, Sendable, Equatable {
    /// One model.
    public struct Model: Codable, Sendable, Equatable {
        /// Its name.
        public var id: String
        /// `model`.
        public var object = "model"
        /// Unix seconds.
        public var created: Int
        /// Who serves it.
        public var ownedBy: String

        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }

        /// A model entry.
        public init(id: String, created: Int, ownedBy: String) {
            self.id = id
            self.created = created
            self.ownedBy = ownedBy
        }
    }

    /// `list`.
    public var object = "list"
    /// The models.
    public var data: [Model]

    /// A list.
    public init(data: [Model]) { self.data = data }
}
