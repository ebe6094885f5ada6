package org.dtprobed.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dtprobed.testkit.ChildJvms;

/** Command lines for {@code dtprobe} in a child JVM: the running JVM, this test's classpath. */
final class ChildJvm {
    private ChildJvm() {
    }

    static String java() {
        return ChildJvms.java();
    }

    static List<String> dtprobe(String classpath, String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-XX:+IgnoreUnrecognizedVMOptions",
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                classpath, "org.dtprobed.client.Dtprobe"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static String classpath() {
        return System.getProperty("java.class.path");
    }

    /**
     * This test's classpath copied under a world-readable directory, for a child that runs as
     * another user (the local repository under /root is not readable by others).
     */
    static String copyForOtherUsers(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String entry : classpath().split(java.io.File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = dir.resolve(n++ + "-" + src.getFileName());
            copyTree(src, dst);
            out.add(dst.toString());
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        try (Stream<Path> all = Files.walk(src)) {
            all.forEach(p -> {
                Path t = dst.resolve(src.relativize(p).toString());
                try {
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else {
                        Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
