package org.dtprobed.jail;

import org.dtprobed.dof.wire.ParsedDofCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.linux.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the child does before the jail closes: after the filter is in force no file can be
 * opened, so every class, JNI library and jar the request path touches must already be loaded or
 * open (kernel-and-jail-facts §D: classes from a classpath directory, {@code libmanagement},
 * {@code tzdb.dat} all fail afterwards).
 */
final class Warmup {
    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);

    /** Built-in samples (copies of corpus blobs): many probes; version 3 with relocations. */
    static final String[] SAMPLES = {"warmup-libusdt-5.dof", "warmup-node-v3.dof"};
    private static final int ROUNDS = 10;

    private Warmup() {
    }

    /** Sends sample requests (good, truncated, garbage) through the whole frame and parse path. */
    static void exercise(RequestLoop loop) throws IOException {
        List<byte[]> blobs = new ArrayList<>();
        for (String name : SAMPLES) {
            blobs.add(resource(name));
        }
        blobs.add(Arrays.copyOf(blobs.get(1), 100));
        blobs.add(new byte[] {1, 2, 3});
        DofHelper helper = new DofHelper("warmup", 0x400000L, 0x400000L);
        long id = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (byte[] dof : blobs) {
                roundTrip(loop, new ParseRequest(1, helper, dof), ++id);
            }
        }
        new ChildFault(OutOfMemoryError.class.getName(), Errno.ENOMEM, "warm-up").encode();
        LOG.debug("warm-up: {} requests served", id);
    }

    private static void roundTrip(RequestLoop loop, ParseRequest request, long id) throws IOException {
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        new FrameWriter(req).write(FrameType.PARSE_REQUEST, id, request.encode());
        FrameReader in = new FrameReader(new ByteArrayInputStream(req.toByteArray()), loop.maxRequestBody());
        ByteArrayOutputStream rep = new ByteArrayOutputStream();
        if (loop.serve(in, new FrameWriter(rep)) != RequestLoop.End.END_OF_INPUT) {
            throw new IOException("warm-up request " + id + " faulted");
        }
        Frame reply = new FrameReader(new ByteArrayInputStream(rep.toByteArray()), Integer.MAX_VALUE - 8).read();
        if (reply.type() == FrameType.PARSED) {
            ParsedDofCodec.decode(reply.bodyBuffer());
        } else {
            Rejection.decode(reply.bodyBuffer());
        }
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = Warmup.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("built-in sample " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        }
    }

    /** Loads (without initialising) every class of each anchor's package from its jar or directory. */
    static int preloadPackages(Class<?>... anchors) throws IOException {
        int n = 0;
        for (Class<?> anchor : anchors) {
            String pkg = anchor.getPackageName().replace('.', '/') + "/";
            for (String entry : classEntries(anchor, pkg)) {
                String name = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
                try {
                    Class.forName(name, false, anchor.getClassLoader());
                    n++;
                } catch (ClassNotFoundException | LinkageError e) {
                    // a class for another entry point (e.g. a CLI whose library is not on this classpath)
                    LOG.debug("warm-up: not preloading {}: {}", name, e.toString());
                }
            }
        }
        return n;
    }

    private static List<String> classEntries(Class<?> anchor, String pkg) throws IOException {
        URL location = anchor.getProtectionDomain().getCodeSource().getLocation();
        Path path;
        try {
            path = Path.of(location.toURI());
        } catch (URISyntaxException e) {
            throw new IOException("code source " + location, e);
        }
        List<String> out = new ArrayList<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.list(path.resolve(pkg))) {
                files.map(f -> pkg + f.getFileName()).filter(Warmup::isClass).forEach(out::add);
            }
            return out;
        }
        try (JarFile jar = new JarFile(path.toFile())) {
            Enumeration<JarEntry> e = jar.entries();
            while (e.hasMoreElements()) {
                String name = e.nextElement().getName();
                if (name.startsWith(pkg) && name.indexOf('/', pkg.length()) < 0 && isClass(name)) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    private static boolean isClass(String name) {
        return name.endsWith(".class") && !name.endsWith("module-info.class");
    }

    /** Makes the class loader open every jar on the classpath while opening is still allowed. */
    static int openClasspath() {
        try {
            int n = 0;
            Enumeration<URL> e = ClassLoader.getSystemClassLoader().getResources("META-INF/MANIFEST.MF");
            while (e.hasMoreElements()) {
                e.nextElement();
                n++;
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts and joins a thread, so the thread machinery is loaded before clone is restricted. */
    static void thread() throws InterruptedException {
        Thread t = new Thread(() -> { }, "jail-warmup");
        t.start();
        t.join();
    }
}
