package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, attack 8: a root daemon follows no link an unprivileged user planted under its state
 * or mount directory, and starts in no directory another user owns or may write. Root: the
 * directories are given to uid 65534 with {@code chown}.
 */
@Requires(Capability.ROOT)
class StateDirGuardIT {
    @TempDir
    Path tmp;

    @Test
    void aFreshStateDirectoryGetsItsModes() throws IOException {
        Path state = tmp.resolve("state");
        StateDirGuard.prepare(state, state.resolve("stash"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx--x--x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("stash"))))
                .isEqualTo("rwx------");
    }

    @Test
    void anExistingWideOpenStashIsNarrowed() throws IOException {
        Path state = Files.createDirectories(tmp.resolve("state"));
        Path stash = Files.createDirectories(state.resolve("stash"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(stash, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = Files.writeString(stash.resolve("registrations.cm3"), "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        StateDirGuard.prepare(state, stash);
        StateDirGuard.restrictFiles(stash);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stash))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aSymlinkedStateOrStashDirectoryIsRefused() throws IOException {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path state = Files.createSymbolicLink(tmp.resolve("state"), elsewhere);
        assertThatThrownBy(() -> StateDirGuard.prepare(state, state.resolve("stash")))
                .hasMessageContaining("is a symbolic link");
        Path real = Files.createDirectories(tmp.resolve("real"));
        Files.createSymbolicLink(real.resolve("stash"), elsewhere);
        assertThatThrownBy(() -> StateDirGuard.prepare(real, real.resolve("stash")))
                .hasMessageContaining("is a symbolic link");
    }

    @Test
    void aDirectoryOfAnotherUserOrWritableByOthersIsRefused() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        chown("65534", state);
        assertThatThrownBy(() -> StateDirGuard.prepare(state, state.resolve("stash")))
                .hasMessageContaining("belongs to uid 65534");
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> StateDirGuard.prepare(open, open.resolve("stash")))
                .hasMessageContaining("writable by others");
    }

    @Test
    void aParentAnyoneMayRenameInIsRefusedUnlessSticky() throws IOException {
        Path parent = Files.createDirectories(tmp.resolve("parent"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> StateDirGuard.prepare(parent.resolve("state"), parent.resolve("state/stash")))
                .hasMessageContaining("without the sticky bit");
        Files.setAttribute(parent, "unix:mode", 01777);
        StateDirGuard.prepare(parent.resolve("state"), parent.resolve("state/stash"));
    }

    @Test
    void aLinkedLockFileIsNotFollowed() throws IOException {
        Path state = Files.createDirectories(tmp.resolve("state"));
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Files.createSymbolicLink(state.resolve(StateDirLock.FILE_NAME), victim);
        assertThatThrownBy(() -> StateDirLock.acquire(state)).isInstanceOf(IOException.class);
        assertThat(Files.readString(victim)).isEqualTo("precious");
    }

    @Test
    void aLinkedMountDirectoryIsRefused() throws IOException {
        Path other = Files.createDirectories(tmp.resolve("someone-elses-mount"));
        Path link = Files.createSymbolicLink(tmp.resolve("helperfs"), other);
        assertThatThrownBy(() -> StateDirGuard.checkMountDir(link)).hasMessageContaining("is a symbolic link");
        StateDirGuard.checkMountDir(tmp.resolve("not-there-yet"));
    }

    private static void chown(String owner, Path p) throws Exception {
        Process chown = new ProcessBuilder("chown", owner, p.toString()).inheritIO().start();
        assertThat(chown.waitFor()).isZero();
    }
}
