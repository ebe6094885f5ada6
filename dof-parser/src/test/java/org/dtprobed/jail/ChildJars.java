package org.dtprobed.jail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Test support: a child classpath made of jars in a world-readable temporary directory. Build-tree
 * directories (target/classes, target/test-classes) become jars, because the jailed child cannot
 * open class files after its filter is installed; jars from the local Maven repository are copied,
 * because it lives under /root, which the child's unprivileged uid cannot enter.
 */
public final class ChildJars implements AutoCloseable {
    private final Path directory;
    private final List<Path> jars;

    private ChildJars(Path directory, List<Path> jars) {
        this.directory = directory;
        this.jars = List.copyOf(jars);
    }

    /** The production child's jars plus those holding {@code extraResources} (test entry points). */
    public static ChildJars create(String... extraResources) throws IOException {
        List<Path> entries = ChildClasspath.locate(ChildJars.class.getClassLoader(), List.of(extraResources));
        Path dir = Files.createTempDirectory("dtprobed-child-cp-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<Path> jars = new ArrayList<>();
        int i = 0;
        for (Path e : entries) {
            Path target = dir.resolve(String.format("%02d-%s%s", i++, e.getFileName(), Files.isDirectory(e) ? ".jar" : ""));
            if (Files.isDirectory(e)) {
                jar(e, target);
            } else {
                Files.copy(e, target, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
            jars.add(target);
        }
        return new ChildJars(dir, jars);
    }

    public List<Path> jars() {
        return jars;
    }

    /** A child command with the running JVM's java, these jars and the production main. */
    public ChildCommand command(JailOptions options) {
        return new ChildCommand(Path.of(System.getProperty("java.home"), "bin", "java"), jars,
                ChildCommand.DEFAULT_MAIN, ChildCommand.DEFAULT_MAX_HEAP, null, options);
    }

    private static void jar(Path dir, Path target) throws IOException {
        try (OutputStream os = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(os);
             Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                jar.putNextEntry(new JarEntry(dir.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, jar);
                jar.closeEntry();
            }
        }
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
