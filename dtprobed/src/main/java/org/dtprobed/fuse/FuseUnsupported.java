package org.dtprobed.fuse;

/** Any other opcode, known or not; it is answered with ENOSYS. */
public record FuseUnsupported(FuseInHeader header) implements FuseRequest {
}
