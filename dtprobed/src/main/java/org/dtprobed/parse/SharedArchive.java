package org.dtprobed.parse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The children's AppCDS archive: made once by a training run of the child (warm-up only, then exit)
 * and used by every child after that. It only speeds up start-up, so a failure to make it is a
 * warning and the children start without it. The archive belongs to one {@code java} and one
 * classpath; delete it when either changes.
 */
final class SharedArchive {
    private static final Logger LOG = LoggerFactory.getLogger(SharedArchive.class);

    private SharedArchive() {
    }

    /** The config to start children with: the archive made if missing, or dropped if it cannot be. */
    static SupervisorConfig prepare(SupervisorConfig config) {
        Path archive = config.sharedArchive();
        if (archive == null || Files.isRegularFile(archive)) {
            return config;
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(config.childCommand().trainingCommand(archive))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            config.childCommand().environment(pb.environment());
            long t0 = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("training run did not finish within " + config.startTimeout());
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(archive)) {
                throw new IOException("training run exited with code " + p.exitValue());
            }
            LOG.info("parser children's class-data archive {} created in {} ms", archive,
                    (System.nanoTime() - t0) / 1_000_000);
            return config;
        } catch (IOException e) {
            LOG.warn("parser children start without a class-data archive: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return copyWithoutArchive(config);
    }

    private static SupervisorConfig copyWithoutArchive(SupervisorConfig c) {
        return new SupervisorConfig(c.children(), c.parseTimeout(), c.maxAttempts(), c.queueBound(), c.startTimeout(),
                c.childUser(), c.childGroup(), c.java(), c.classpath(), c.mainClass(), c.noJail(),
                c.childMaxHeapBytes(), c.childAddressSpaceBytes(), c.childCpuSeconds(), null, c.maxDofBytes(),
                c.maxReplyBytes());
    }
}
