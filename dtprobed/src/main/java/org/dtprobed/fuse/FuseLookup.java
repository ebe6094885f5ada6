package org.dtprobed.fuse;

/** {@code FUSE_LOOKUP}: {@code name} in directory {@code header().nodeId()}. */
public record FuseLookup(FuseInHeader header, String name) implements FuseRequest {
}
