package org.dtprobed.fuse;

/** {@code CUSE_INIT} with {@code cuse_init_in}. */
public record CuseInit(FuseInHeader header, int major, int minor, int flags) implements FuseRequest {
}
