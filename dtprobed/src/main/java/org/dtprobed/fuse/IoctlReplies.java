package org.dtprobed.fuse;

import java.util.ArrayList;
import java.util.List;
import org.dtprobed.helper.IoctlReply;
import org.dtprobed.helper.IoctlRequest;

/** Between the FUSE codec and the helper conversation: request in, reply bytes out. */
final class IoctlReplies {
    private IoctlReplies() {
    }

    static IoctlRequest request(FuseIoctl io) {
        FuseInHeader h = io.header();
        return new IoctlRequest(h.pid(), h.uid(), h.gid(), io.cmd(), io.arg(), io.in());
    }

    static byte[] encode(long unique, IoctlReply reply) {
        if (reply instanceof IoctlReply.Result) {
            return FuseReplies.ioctl(unique, ((IoctlReply.Result) reply).value());
        }
        if (reply instanceof IoctlReply.Failure) {
            return FuseReplies.error(unique, ((IoctlReply.Failure) reply).errno());
        }
        List<FuseIovec> iov = new ArrayList<>();
        for (IoctlReply.Range r : ((IoctlReply.Retry) reply).ranges()) {
            iov.add(new FuseIovec(r.base(), r.length()));
        }
        return FuseReplies.ioctlRetry(unique, iov);
    }
}
