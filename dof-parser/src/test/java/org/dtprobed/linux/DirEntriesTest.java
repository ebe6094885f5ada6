package org.dtprobed.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory's names through getdents64, against what java.nio lists. */
class DirEntriesTest {
    @TempDir
    Path dir;

    private Set<String> read(Path d) {
        LibC libc = Native.load().libc();
        int fd = libc.open(d.toString(), OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
        assertThat(fd).isNotNegative();
        try {
            return DirEntries.names(libc, fd, new byte[DirEntries.BUFFER]);
        } finally {
            libc.close(fd);
        }
    }

    @Test
    void anEmptyDirectoryHasNoNames() {
        assertThat(read(dir)).isEmpty();
    }

    @Test
    void everyNameOfALargeDirectoryOverSeveralReads() throws Exception {
        Set<String> made = new HashSet<>();
        for (int i = 0; i < 600; i++) { // ~600 records of 40-260 bytes: many buffers' worth
            String name = "n" + i + "x".repeat(i % 220) + (i % 7 == 0 ? "é" : "");
            Files.createFile(dir.resolve(name));
            made.add(name);
        }
        Files.createDirectory(dir.resolve("sub"));
        made.add("sub");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(made);
        }
        assertThat(read(dir)).isEqualTo(made);
    }

    @Test
    void aDescriptorThatIsNoDirectoryGivesNull() throws Exception {
        LibC libc = Native.load().libc();
        Path file = Files.writeString(dir.resolve("f"), "x");
        int fd = libc.open(file.toString(), OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
        try {
            assertThat(DirEntries.names(libc, fd, new byte[DirEntries.BUFFER])).isNull();
        } finally {
            libc.close(fd);
        }
    }
}
