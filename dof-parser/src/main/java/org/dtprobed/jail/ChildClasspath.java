package org.dtprobed.jail;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds, on the running JVM's classpath, the jars the parser child needs and nothing else: the
 * dof-parser jar, jnr-ffi with jffi (and its native jar) and the ASM libraries jnr-ffi generates
 * code with, and SLF4J with slf4j-simple. Each is found by a resource it must contain, so the
 * result does not depend on how the daemon's own classpath was laid out.
 */
public final class ChildClasspath {
    /** One resource per jar the child loads from. */
    public static final List<String> MARKERS = List.of(
            "org/dtprobed/jail/JailMain.class",
            "org/dtprobed/dof/DofParser.class",
            "jnr/ffi/LibraryLoader.class",
            "com/kenai/jffi/Foreign.class",
            "jni/x86_64-Linux/libjffi-1.2.so",
            "org/objectweb/asm/ClassVisitor.class",
            "org/objectweb/asm/commons/AdviceAdapter.class",
            "org/objectweb/asm/tree/ClassNode.class",
            "org/objectweb/asm/tree/analysis/Analyzer.class",
            "org/objectweb/asm/util/ASMifier.class",
            "jnr/a64asm/REG.class",
            "com/kenai/jnr/x86asm/Assembler.class",
            "org/slf4j/LoggerFactory.class",
            "org/slf4j/simple/SimpleLogger.class");

    private ChildClasspath() {
    }

    /**
     * The classpath entries (jars, or directories when run from a build tree) that hold the
     * markers and any {@code extraResources}, in marker order, without duplicates.
     *
     * @throws IllegalStateException when a marker is not on the classpath
     */
    public static List<Path> locate(ClassLoader loader, List<String> extraResources) {
        Set<Path> out = new LinkedHashSet<>();
        List<String> all = new ArrayList<>(MARKERS);
        all.addAll(extraResources);
        for (String resource : all) {
            URL url = loader.getResource(resource);
            if (url == null) {
                throw new IllegalStateException("the parser child needs " + resource + ", which is not on the classpath");
            }
            out.add(entryOf(url, resource));
        }
        return List.copyOf(out);
    }

    /** {@link #locate} for the production child; every entry must be a jar. */
    public static List<Path> locateJars() {
        List<Path> entries = locate(ChildClasspath.class.getClassLoader(), List.of());
        for (Path p : entries) {
            if (Files.isDirectory(p)) {
                throw new IllegalStateException("classpath entry " + p + " is a directory; the jailed child can only"
                        + " load classes from jars once its filter is in force (run mvn package)");
            }
        }
        return entries;
    }

    static Path entryOf(URL url, String resource) {
        try {
            switch (url.getProtocol()) {
                case "jar": {
                    String s = url.getPath();
                    return Path.of(new java.net.URI(s.substring(0, s.indexOf("!/"))));
                }
                case "file": {
                    Path p = Path.of(url.toURI());
                    for (int i = resource.split("/").length; i > 0; i--) {
                        p = p.getParent();
                    }
                    return p;
                }
                default:
                    throw new IllegalStateException("cannot use " + url + " on the child's classpath");
            }
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad classpath URL " + url, e);
        }
    }
}
