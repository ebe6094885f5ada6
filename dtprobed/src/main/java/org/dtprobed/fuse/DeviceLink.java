package org.dtprobed.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The symlink {@code /dev/<device>} → the helper file, so that unmodified clients find the
 * FUSE-file route where they look for the CUSE device (kernel facts §B). A stale symlink (a
 * previous daemon's) is replaced; anything else at that path (a live CUSE device) is left alone
 * and refused. On close the link is removed only if it still points at our file.
 */
final class DeviceLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceLink.class);

    private final Path link;
    private final Path target;
    private boolean created;

    private DeviceLink(Path link, Path target) {
        this.link = link;
        this.target = target;
    }

    static DeviceLink create(Path link, Path target) throws IOException {
        if (!Files.isDirectory(link.getParent())) {
            Files.createDirectories(link.getParent());
            // every user opens the device through it, whatever the daemon's umask (the unit's is 0077)
            Files.setPosixFilePermissions(link.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        if (Files.isSymbolicLink(link)) {
            LOG.info("replacing the stale link {} -> {}", link, Files.readSymbolicLink(link));
            Files.delete(link);
        } else if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(link + " exists and is not a symlink (is a CUSE dtprobed running?)");
        }
        Files.createSymbolicLink(link, target);
        DeviceLink d = new DeviceLink(link, target);
        d.created = true;
        return d;
    }

    Path path() {
        return link;
    }

    @Override
    public synchronized void close() {
        if (!created) {
            return;
        }
        created = false;
        try {
            if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
                Files.delete(link);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", link, e.toString());
        }
    }
}
