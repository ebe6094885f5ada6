package org.dtprobed.fuse;

/** {@code FUSE_FLUSH}: every close of a file descriptor. */
public record FuseFlush(FuseInHeader header, long fh) implements FuseRequest {
}
