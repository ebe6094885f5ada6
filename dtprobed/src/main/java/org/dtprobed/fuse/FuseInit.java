package org.dtprobed.fuse;

/** {@code FUSE_INIT} with {@code fuse_init_in}; {@code flags2} is 0 before protocol 7.36. */
public record FuseInit(FuseInHeader header, int major, int minor, int maxReadahead, int flags, int flags2)
        implements FuseRequest {
}
