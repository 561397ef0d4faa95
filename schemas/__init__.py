"""Domain models of docai (pydantic). Nothing here imports protobuf or gRPC."""
