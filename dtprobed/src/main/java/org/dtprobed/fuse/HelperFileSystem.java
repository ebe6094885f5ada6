package org.dtprobed.fuse;

import static org.dtprobed.fuse.FuseAttr.S_IFDIR;
import static org.dtprobed.fuse.FuseAttr.S_IFREG;

import java.util.List;
import java.util.function.Function;
import org.dtprobed.helper.IoctlReply;
import org.dtprobed.helper.IoctlRequest;
import org.dtprobed.linux.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FUSE filesystem holding one file, {@code helper} (mode 0666, owned by root), whose only
 * purpose is its ioctls: the fallback for kernels without CUSE (kernel facts §B). Everything
 * else the kernel may ask is answered minimally or with Errno.ENOSYS.
 */
final class HelperFileSystem implements FuseHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HelperFileSystem.class);
    static final String FILE_NAME = "helper";
    static final long ROOT = FuseLayout.FUSE_ROOT_ID;
    static final long FILE = 2;
    private static final long VALID_SECONDS = 1;

    private final String name;
    private final int maxWrite;
    private final Function<IoctlRequest, IoctlReply> ioctls;
    private final FuseAttr rootAttr;
    private final FuseAttr fileAttr;
    private final OpenFiles open = new OpenFiles();
    private final OpenWatch opens;

    HelperFileSystem(String name, int maxWrite, Function<IoctlRequest, IoctlReply> ioctls) {
        this(name, maxWrite, ioctls, OpenWatch.NONE);
    }

    HelperFileSystem(String name, int maxWrite, Function<IoctlRequest, IoctlReply> ioctls,
                     OpenWatch opens) {
        this.opens = opens;
        this.name = name;
        this.maxWrite = maxWrite;
        this.ioctls = ioctls;
        long now = System.currentTimeMillis() / 1000;
        this.rootAttr = new FuseAttr(ROOT, 0, S_IFDIR | 0755, 2, 0, 0, now);
        this.fileAttr = new FuseAttr(FILE, 0, S_IFREG | 0666, 1, 0, 0, now);
    }

    @Override
    public byte[] handle(FuseRequest r) {
        long u = r.unique();
        if (r instanceof FuseInit) {
            FuseInitNegotiation n = FuseInitNegotiation.fuse((FuseInit) r, maxWrite);
            LOG.info("{}: FUSE_INIT kernel {}.{}, {}", name, ((FuseInit) r).major(), ((FuseInit) r).minor(),
                    n.established() ? "speaking 7." + n.minor() : "refused");
            return n.reply();
        }
        if (r instanceof FuseIoctl) {
            FuseIoctl io = (FuseIoctl) r;
            if (io.header().nodeId() != FILE) {
                return FuseReplies.error(u, Errno.ENOSYS);
            }
            open.ioctl(io.fh());
            IoctlReply reply = ioctls.apply(IoctlReplies.request(io));
            if (reply instanceof IoctlReply.Retry) {
                // a RETRY would reach the caller as EIO on a regular file; never send one
                throw new IllegalStateException("RETRY is not possible on a FUSE file");
            }
            return IoctlReplies.encode(u, reply);
        }
        if (r instanceof FuseLookup) {
            FuseLookup l = (FuseLookup) r;
            return l.header().nodeId() == ROOT && FILE_NAME.equals(l.name())
                    ? FuseReplies.entry(u, FILE, fileAttr, VALID_SECONDS)
                    : FuseReplies.error(u, Errno.ENOENT);
        }
        if (r instanceof FuseGetattr) {
            FuseAttr a = attr(r.header().nodeId());
            return a == null ? FuseReplies.error(u, Errno.ENOENT) : FuseReplies.attr(u, a, VALID_SECONDS);
        }
        return other(r, u);
    }

    private byte[] other(FuseRequest r, long u) {
        long node = r.header().nodeId();
        if (r instanceof FuseOpen) {
            return node == FILE ? FuseReplies.open(u, open.opened(opens.opened(r.header().pid())), 0)
                    : FuseReplies.error(u, node == ROOT ? Errno.EISDIR : Errno.ENOENT);
        }
        if (r instanceof FuseOpendir) {
            return node == ROOT ? FuseReplies.open(u, 0, 0) : FuseReplies.error(u, Errno.ENOTDIR);
        }
        if (r instanceof FuseReaddir) {
            FuseReaddir d = (FuseReaddir) r;
            return FuseReplies.readdir(u, List.of(new FuseReplies.DirEntry(ROOT, ".", FuseReplies.DirEntry.DT_DIR),
                    new FuseReplies.DirEntry(ROOT, "..", FuseReplies.DirEntry.DT_DIR),
                    new FuseReplies.DirEntry(FILE, FILE_NAME, FuseReplies.DirEntry.DT_REG)), d.offset(),
                    Math.min(d.size(), maxWrite));
        }
        if (r instanceof FuseRelease rel) {
            int process = open.released(rel.fh());
            if (process > 0) {
                opens.releasedWithoutIoctl(process);
            }
            return FuseReplies.empty(u);
        }
        if (r instanceof FuseFlush) {
            // every close(2) waits for a FLUSH round trip unless the file system has none: ENOSYS makes
            // the kernel stop sending it (close still returns 0), one of drti's three round trips fewer
            return FuseReplies.error(u, Errno.ENOSYS);
        }
        if (r instanceof FuseReleasedir || r instanceof FuseAccess || r instanceof FuseDestroy) {
            return FuseReplies.empty(u);
        }
        if (r instanceof FuseStatfs) {
            return FuseReplies.statfs(u, 4096, 255);
        }
        if (r instanceof FuseForget || r instanceof FuseBatchForget || r instanceof FuseInterrupt) {
            // FORGET takes no reply; an INTERRUPT is answered by the original request finishing
            return null;
        }
        return FuseReplies.error(u, Errno.ENOSYS);
    }

    /** Open handles with no ioctl yet (for tests). */
    int untouchedOpenFiles() {
        return open.tracked();
    }

    private FuseAttr attr(long node) {
        if (node == ROOT) {
            return rootAttr;
        }
        return node == FILE ? fileAttr : null;
    }
}
