package org.dtprobed.fuse;

/** {@code FUSE_GETATTR} of {@code header().nodeId()}. */
public record FuseGetattr(FuseInHeader header) implements FuseRequest {
}
