package org.dtprobed.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Set;
import org.dtprobed.proc.Mapping;
import org.dtprobed.proc.MapsParser;
import org.dtprobed.protocol.Numbers;
import org.dtprobed.protocol.ProbeEntry;

/**
 * Arms one kernel uprobe per distinct probe site (file and file offset, computed from the mapping
 * the daemon reports), prints one line per hit, and removes everything it created on {@link
 * #close}. Hits are read from a private trace instance; a hit in a process that did not register
 * the probe (another process running the same binary) is not printed.
 */
final class Tracer implements AutoCloseable {
    /** Where a uprobe goes: a file and an offset in it. */
    record Target(Path file, long offset) {
    }

    /** What a hit prints: a line with the probe and its argument values, the values alone, or JSON. */
    enum Output { LINES, QUIET, JSON }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TraceFs fs;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Output output;
    private final String prefix;
    private final Path instance;
    private final String stopMarker = "dtprobe-stop-" + UUID.randomUUID();
    /** Read by the reader thread while {@link #add} may write. */
    private final Map<String, List<ProbeEntry>> byEvent = new ConcurrentHashMap<>();
    /** The argument fetches each event was defined with. */
    private final Map<String, List<ArgFetch>> argsOf = new ConcurrentHashMap<>();
    private final Map<Target, String> eventOf = new HashMap<>();
    private final List<String> enabled = new ArrayList<>();
    private final long wallMinusMonoNanos;
    private Thread reader;
    private boolean closed;
    private long hits;

    Tracer(TraceFs fs, PrintWriter out, PrintWriter err, Output output) {
        this.fs = fs;
        this.out = out;
        this.err = err;
        this.output = output;
        Instant now = Instant.now();
        this.wallMinusMonoNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
        long self = ProcessHandle.current().pid();
        this.prefix = "dtprobe_" + self + "_";
        this.instance = fs.instance("dtprobe_" + self);
    }

    /** The event name prefix of this run's uprobes ({@code dtprobe_<pid>_}). */
    String prefix() {
        return prefix;
    }

    /**
     * Groups the probes' sites by target. Is-enabled sites are left out (reaching the check is not
     * a firing). A site is armed in the registered file when that path still holds the registered
     * object; otherwise (a deleted file, as libusdt maps its probes from, or a path that now names
     * another file) through the process's {@code /proc/PID/map_files/START-END}, which reaches the
     * mapped object itself. A site in anonymous memory, or of a process that is gone, has no file
     * for a uprobe: it is skipped with one line saying why.
     */
    static Map<Target, List<ProbeEntry>> plan(List<ProbeEntry> probes, PrintWriter err) {
        return plan(probes, err, Path.of("/proc"));
    }

    static Map<Target, List<ProbeEntry>> plan(List<ProbeEntry> probes, PrintWriter err, Path proc) {
        Map<Target, List<ProbeEntry>> out = new LinkedHashMap<>();
        Map<String, Boolean> pathOk = new HashMap<>();
        Map<Integer, List<Mapping>> maps = new HashMap<>();
        Set<String> told = new HashSet<>();
        for (ProbeEntry p : probes) {
            ProbeEntry.Mapping m = p.mapping();
            boolean direct = pathOk.computeIfAbsent(m.path() + "\0" + m.dev() + "\0" + m.inode(), k -> sameFile(m));
            for (ProbeEntry.Site s : p.sites()) {
                if (s.isEnabled()) {
                    continue;
                }
                Target t = direct ? new Target(Path.of(m.path()), m.fileOffset(s.address()))
                        : viaMapFiles(p, s.address(), maps, proc, told, err);
                if (t != null) {
                    out.computeIfAbsent(t, k -> new ArrayList<>()).add(p);
                }
            }
        }
        return out;
    }

    /** Whether the registered path still names the registered object (and is one uprobe_events can take). */
    private static boolean sameFile(ProbeEntry.Mapping m) {
        Path p = Path.of(m.path());
        if (!p.isAbsolute() || m.path().chars().anyMatch(Character::isWhitespace)) {
            return false;
        }
        try {
            long dev = ((Number) Files.getAttribute(p, "unix:dev")).longValue();
            long ino = ((Number) Files.getAttribute(p, "unix:ino")).longValue();
            return dev == m.dev() && ino == m.inode();
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The site through {@code /proc/PID/map_files}, or null (and one line per object saying why). */
    private static Target viaMapFiles(ProbeEntry p, long address, Map<Integer, List<Mapping>> maps, Path proc,
                                      Set<String> told, PrintWriter err) {
        ProbeEntry.Mapping m = p.mapping();
        List<Mapping> ms = maps.computeIfAbsent(p.pid(), pid -> readMaps(proc.resolve(pid + "/maps")));
        Mapping hit = ms.stream().filter(x -> x.contains(address)).findFirst().orElse(null);
        String why = null;
        if (ms.isEmpty()) {
            why = "process " + p.pid() + " is gone";
        } else if (hit == null) {
            why = "the site " + Numbers.hex(address) + " is no longer mapped in process " + p.pid();
        } else if (hit.anonymous()) {
            why = "the sites are in anonymous memory of process " + p.pid() + ": no file to put a uprobe in";
        } else if (hit.dev() != m.dev() || hit.inode() != m.inode()) {
            why = "process " + p.pid() + " maps another file there now";
        }
        if (why != null) {
            if (told.add(p.pid() + " " + m.path() + " " + m.inode())) {
                err.println("dtprobe: skipping probes in " + (m.path().isEmpty() ? "anonymous memory" : m.path())
                        + ": " + why);
            }
            return null;
        }
        Path file = hit.mapFile(proc, p.pid());
        return new Target(file, address - hit.start() + hit.offset());
    }

    private static List<Mapping> readMaps(Path file) {
        try {
            return MapsParser.parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            return List.of(); // the process is gone (or not ours to read): said per object by the caller
        }
    }

    /** Creates the instance and one uprobe per target, enabled in the instance; starts reading hits. */
    synchronized void arm(Map<Target, List<ProbeEntry>> targets) throws IOException {
        Files.createDirectory(instance);
        TraceFs.set(instance.resolve("options/record-tgid"), "1");
        TraceFs.set(instance.resolve("trace_clock"), "mono");
        add(targets);
        reader = new Thread(this::pump, "dtprobe-trace-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Arms more targets while tracing (a process that registered later). A target already armed
     * (another process of the same binary) only gains the new probes; returns how many uprobes were made.
     */
    synchronized int add(Map<Target, List<ProbeEntry>> targets) throws IOException {
        if (closed) {
            return 0;
        }
        int made = 0;
        for (Map.Entry<Target, List<ProbeEntry>> t : targets.entrySet()) {
            String known = eventOf.get(t.getKey());
            if (known != null) {
                List<ProbeEntry> have = byEvent.get(known);
                t.getValue().stream().filter(p -> !have.contains(p)).forEach(have::add);
                continue;
            }
            String event = prefix + byEvent.size();
            argsOf.put(event, define(event, t.getKey(), t.getValue().get(0)));
            byEvent.put(event, new CopyOnWriteArrayList<>(t.getValue()));
            eventOf.put(t.getKey(), event);
            TraceFs.set(instance.resolve("events").resolve(TraceFs.GROUP).resolve(event).resolve("enable"), "1");
            enabled.add(event);
            made++;
        }
        return made;
    }

    /**
     * Defines the uprobe with the probe's arguments; if the kernel refuses them (an old kernel
     * without a fetch type), defines it without, so that hits are still seen, and says so.
     */
    private List<ArgFetch> define(String event, Target t, ProbeEntry probe) throws IOException {
        List<ArgFetch> fetches = ArgFetch.of(probe.nativeTypes());
        if (fetches.isEmpty()) {
            fs.addUprobe(event, t.file(), t.offset(), "");
            return fetches;
        }
        try {
            fs.addUprobe(event, t.file(), t.offset(), ArgFetch.definitions(fetches));
            return fetches;
        } catch (TraceFs.TraceFsException e) {
            throw e;
        } catch (IOException e) {
            err.println("dtprobe: " + probe.fullName() + ": no argument values (" + e.getMessage() + ")");
            fs.addUprobe(event, t.file(), t.offset(), "");
            return List.of();
        }
    }

    private void pump() {
        Path pipe = instance.resolve("trace_pipe");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(pipe),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && !line.endsWith(stopMarker)) {
                TraceHit.parse(line).ifPresent(this::print);
            }
        } catch (IOException e) {
            err.println("dtprobe: reading " + pipe + " failed: " + e.getMessage());
        }
    }

    private void print(TraceHit hit) {
        List<ProbeEntry> probes = byEvent.get(hit.event());
        if (probes == null) {
            return;
        }
        Instant when = wallTime(hit.seconds());
        List<Object> args = hit.args(argsOf.getOrDefault(hit.event(), List.of()));
        for (ProbeEntry p : probes) {
            if (p.pid() == hit.tgid()) {
                String line = format(output, when, hit, p, args);
                synchronized (out) {
                    if (line != null) {
                        out.println(line);
                        out.flush();
                    }
                    hits++;
                }
            }
        }
    }

    /** One hit as {@code output} says; null when there is nothing to print ({@code -q}, no arguments). */
    static String format(Output output, Instant when, TraceHit hit, ProbeEntry p, List<Object> args) {
        StringBuilder values = new StringBuilder();
        for (Object a : args) {
            values.append(values.length() == 0 ? "" : " ").append(a == null ? "?"
                    : a instanceof String str ? '"' + str + '"' : a.toString());
        }
        return switch (output) {
            case QUIET -> values.length() == 0 ? null : values.toString();
            case LINES -> when + " " + hit.tgid() + " " + p.fullName() + (values.length() == 0 ? "" : " " + values);
            case JSON -> json(when, hit, p, args);
        };
    }

    private static String json(Instant when, TraceHit hit, ProbeEntry p, List<Object> args) {
        ObjectNode o = JSON.createObjectNode().put("time", when.toString()).put("pid", hit.tgid())
                .put("tid", hit.tid()).put("probe", p.fullName()).put("provider", p.providerWithPid())
                .put("module", p.module()).put("function", p.function()).put("name", p.name());
        ArrayNode a = o.putArray("args");
        for (Object v : args) {
            if (v instanceof Long n) {
                Numbers.addUnsigned(a, n);
            } else if (v instanceof String str) {
                a.add(str);
            } else {
                a.addNull();
            }
        }
        return o.toString();
    }

    /**
     * trace_clock is "mono", the clock System.nanoTime reads: a hit's wall time is its mono time
     * plus the distance between the clocks, taken once, so that hits keep their order.
     */
    private Instant wallTime(double monoSeconds) {
        return Instant.ofEpochSecond(0, wallMinusMonoNanos + (long) (monoSeconds * 1e9));
    }

    long hits() {
        synchronized (out) {
            return hits;
        }
    }

    /**
     * Disables the events, stops the reader (a marker written into the instance wakes it), deletes
     * every uprobe of this run and the instance. Carries on past failures and reports them.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (String e : enabled) {
            tryDo(() -> TraceFs.set(instance.resolve("events").resolve(TraceFs.GROUP).resolve(e).resolve("enable"),
                    "0"));
        }
        if (reader != null) {
            tryDo(() -> TraceFs.set(instance.resolve("trace_marker"), stopMarker));
            try {
                reader.join(10_000);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
        for (String e : byEvent.keySet()) {
            tryDo(() -> fs.removeUprobe(e));
        }
        if (Files.exists(instance)) {
            tryDo(() -> Files.delete(instance));
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void tryDo(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            err.println("dtprobe: cleanup: " + e.getMessage());
        }
    }

    Optional<Thread> readerThread() {
        return Optional.ofNullable(reader);
    }
}
