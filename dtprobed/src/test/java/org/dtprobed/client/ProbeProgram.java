package org.dtprobed.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.write.DofWriter;
import org.dtprobed.dof.write.ProbeSpec;
import org.dtprobed.protocol.Numbers;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.query.Probes;

/**
 * The C test program (src/test/c/probeprog.c) built by gcc, running, and registered as drti
 * would register it: DOF made by DofWriter (with relocations) from the link-time addresses of its
 * functions and labels, parsed for the live load base, with the mapping from /proc/PID/maps.
 */
final class ProbeProgram implements AutoCloseable {
    static final Path SOURCE = Path.of("src/test/c/probeprog.c");
    private static final int ET_EXEC = 2;
    private static final int ELF_OFF_TYPE = 16;

    final Path binary;
    final Process process;
    final int pid;
    private final BufferedReader out;
    private final OutputStream in;

    private ProbeProgram(Path binary, Process process, int pid, BufferedReader out) {
        this.binary = binary;
        this.process = process;
        this.pid = pid;
        this.out = out;
        this.in = process.getOutputStream();
    }

    /** Compiles the program (PIE or not) into a directory. */
    static Path build(Path dir, boolean pie) throws Exception {
        Path bin = dir.resolve(pie ? "probeprog_pie" : "probeprog_nopie");
        String shim = "-I" + SOURCE.getParent().toAbsolutePath();
        List<String> cmd = pie ? List.of("gcc", "-O1", shim, "-fPIE", "-pie", "-o", bin.toString(), SOURCE.toString())
                : List.of("gcc", "-O1", shim, "-fno-pie", "-no-pie", "-o", bin.toString(), SOURCE.toString());
        run(cmd);
        return bin;
    }

    static ProbeProgram start(Path binary) throws IOException {
        return start(binary, java.util.Map.of());
    }

    /** Starts the program; with {@code PROBEPROG_DOF} in {@code env} it registers that DOF first. */
    static ProbeProgram start(Path binary, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(binary.toString()).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        Process p = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = r.readLine();
        if (first != null && first.startsWith("adddof ")) {
            if (!first.startsWith("adddof gen=")) {
                p.destroyForcibly();
                throw new IOException("test program's registration failed: " + first);
            }
            first = r.readLine();
        }
        if (first == null || !first.startsWith("ready ")) {
            p.destroyForcibly();
            throw new IOException("test program did not start: " + first);
        }
        return new ProbeProgram(binary, p, Integer.parseInt(first.substring(6).trim()), r);
    }

    /** Calls fire_alpha a times and fire_beta b times in the program, and waits until it has. */
    void fire(int a, int b) throws IOException {
        in.write(("fire " + a + " " + b + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
        String l = out.readLine();
        if (!"fired".equals(l)) {
            throw new IOException("test program answered " + l);
        }
    }

    /** The link-time addresses of the program's symbols, from nm. */
    Map<String, Long> symbols() throws Exception {
        return symbolsOf(binary);
    }

    static Map<String, Long> symbolsOf(Path binary) throws Exception {
        Map<String, Long> out = new HashMap<>();
        for (String line : run(List.of("nm", binary.toString())).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                out.put(f[2], Long.parseUnsignedLong(f[0], 16));
            }
        }
        return out;
    }

    /** DOF for provider {@code qtest} with probes alpha, beta and never, each at its label. */
    byte[] dof() throws Exception {
        return dofOf(binary);
    }

    /** As {@link #dof()}, for a built binary that is not running yet. */
    static byte[] dofOf(Path binary) throws Exception {
        Map<String, Long> s = symbolsOf(binary);
        DofWriter w = DofWriter.builder().version(2).relocations(true);
        ProbeSpec[] probes = new ProbeSpec[3];
        String[] names = {"alpha", "beta", "never"};
        for (int i = 0; i < names.length; i++) {
            long fn = s.get("fire_" + names[i]);
            probes[i] = ProbeSpec.builder("fire_" + names[i], names[i]).address(fn).args("int")
                    .offsets(s.get("probe_" + names[i]) - fn).build();
        }
        return w.provider("qtest", probes).build();
    }

    /** The object's mapping as /proc/PID/maps shows it: its first mapping's start and file offset. */
    ProbeEntry.Mapping mapping() throws IOException {
        String path = binary.toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/maps"))) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length == 6 && f[5].equals(path)) {
                String[] range = f[0].split("-");
                String[] dev = f[3].split(":");
                return new ProbeEntry.Mapping(Numbers.makedev(Long.parseLong(dev[0], 16),
                        Long.parseLong(dev[1], 16)), Long.parseLong(f[4]), path, Long.parseUnsignedLong(range[0], 16),
                        Long.parseUnsignedLong(f[2], 16));
            }
        }
        throw new IOException(path + " is not mapped in pid " + pid);
    }

    /** The probes as the daemon would hold them after this program's ADDDOF (dofhp_addr 0 for ET_EXEC). */
    List<ProbeEntry> register(int uid, long generation) throws Exception {
        ProbeEntry.Mapping m = mapping();
        byte[] elf = Files.readAllBytes(binary);
        int type = ByteBuffer.wrap(elf).order(java.nio.ByteOrder.LITTLE_ENDIAN).getShort(ELF_OFF_TYPE);
        long loadBase = type == ET_EXEC ? 0 : m.base();
        ParsedDof parsed = new DofParser().parse(ByteBuffer.wrap(dof()),
                new DofHelper(binary.getFileName().toString(), loadBase, 0), pid);
        return Probes.fromParsed(parsed, loadBase, pid, uid, generation, m);
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + output);
        }
        return output;
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
