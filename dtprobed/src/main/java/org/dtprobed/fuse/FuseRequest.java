package org.dtprobed.fuse;

/** One decoded request from {@code /dev/fuse} or {@code /dev/cuse}: one record per message type. */
public sealed interface FuseRequest permits FuseInit, CuseInit, FuseLookup, FuseGetattr, FuseOpen, FuseRelease,
        FuseFlush, FuseIoctl, FuseInterrupt, FuseForget, FuseBatchForget, FuseDestroy, FuseStatfs, FuseAccess,
        FuseOpendir, FuseReaddir, FuseReleasedir, FuseUnsupported {
    FuseInHeader header();

    default long unique() {
        return header().unique();
    }
}
