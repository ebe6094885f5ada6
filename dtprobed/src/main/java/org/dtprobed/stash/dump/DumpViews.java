package org.dtprobed.stash.dump;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.dof.ProbeSite;
import org.dtprobed.dof.dump.DofJson;
import org.dtprobed.dof.dump.DofText;
import org.dtprobed.protocol.Numbers;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.stash.ContentHash;
import org.dtprobed.stash.PidState;
import org.dtprobed.stash.ProbeRecord;
import org.dtprobed.stash.Registration;
import org.dtprobed.stash.StashConfig;
import org.dtprobed.stash.StashException;
import org.dtprobed.stash.StashFiles;
import org.dtprobed.stash.StashLayout;
import org.dtprobed.stash.StashMeta;
import org.dtprobed.stash.StashView;
import org.dtprobed.stash.negative.NegativeEntry;

/** The views of {@link StashDump}, each as a table and as JSON. */
final class DumpViews {
    private static final ObjectMapper M = new ObjectMapper();

    private final StashView v;
    private final Path dir;
    private final boolean live;

    DumpViews(StashView v, Path dir, boolean live) {
        this.v = v;
        this.dir = dir;
        this.live = live;
    }

    void text(String view, String arg, PrintStream out) throws StashException {
        switch (view) {
            case "summary" -> summaryText(out);
            case "pids" -> pidsText(out);
            case "registrations" -> registrationsText(out);
            case "probes" -> probesText(arg, out);
            case "dof" -> dofText(arg, out);
            case "negative" -> negativeText(out);
            default -> throw new IllegalArgumentException("unknown view " + view);
        }
    }

    ObjectNode json(String view, String arg) throws StashException {
        ObjectNode root = M.createObjectNode();
        root.put("state_dir", dir.toString());
        root.put("daemon_running", live);
        switch (view) {
            case "summary" -> summaryJson(root);
            case "pids" -> root.set("pids", pidsJson());
            case "registrations" -> root.set("registrations", registrationsJson());
            case "probes" -> root.set("probes", probesJson(arg));
            case "dof" -> dofJson(arg, root);
            case "negative" -> root.set("negative", negativeJson());
            default -> throw new IllegalArgumentException("unknown view " + view);
        }
        return root;
    }

    private static String hex(long x) {
        return Numbers.hex(x);
    }

    /** A file for people: {@code major:minor inode}. */
    private static String file(long dev, long inode) {
        return Numbers.device(dev) + " " + Long.toUnsignedString(inode);
    }

    private static String p(String s) {
        return StashDump.printable(s);
    }

    // ---- summary

    private void summaryText(PrintStream out) {
        out.println("stash " + dir + (live ? " (daemon running: read beside it)" : " (daemon stopped)"));
        out.println("format: layout " + StashLayout.LAYOUT_VERSION + ", registration " + StashLayout.REGISTRATION_VERSION
                + ", parsed " + StashLayout.PARSED_VERSION + ", parse cache " + StashLayout.PARSE_CACHE_VERSION + ", raw DOF " + StashLayout.RAW_DOF_VERSION + ", negative "
                + StashLayout.NEGATIVE_VERSION + ", pid " + StashLayout.PID_VERSION + " (this build)");
        out.printf("%-20s %10s %14s%n", "file", "entries", "bytes on disk");
        List<Long> sizes = v.sizes();
        for (int i = 0; i < StashFiles.ALL.size(); i++) {
            String f = StashFiles.ALL.get(i);
            out.printf("%-20s %10d %14d%n", f, sizes.get(i), diskBytes(f));
        }
        List<String> ignored = new ArrayList<>();
        List<Registration> regs = v.registrations(ignored);
        int probes = regs.stream().mapToInt(r -> r.probes().size()).sum();
        long stale = regs.stream().filter(Registration::stale).count();
        out.println("registrations: " + regs.size() + ", probes: " + probes + ", stale (rebuild pending): " + stale);
        out.println("meta:");
        for (Map.Entry<String, Long> e : v.meta().entrySet()) {
            out.printf("  %-22s %d%n", e.getKey(), e.getValue());
        }
    }

    private long diskBytes(String f) {
        try {
            return Files.size(dir.resolve(f));
        } catch (IOException e) {
            return -1;
        }
    }

    private void summaryJson(ObjectNode root) {
        ObjectNode fmt = root.putObject("format_versions");
        fmt.put("layout", StashLayout.LAYOUT_VERSION).put("registration", StashLayout.REGISTRATION_VERSION)
                .put("parsed", StashLayout.PARSED_VERSION).put("parse_cache", StashLayout.PARSE_CACHE_VERSION)
                .put("raw_dof", StashLayout.RAW_DOF_VERSION)
                .put("negative", StashLayout.NEGATIVE_VERSION).put("pid", StashLayout.PID_VERSION);
        ObjectNode files = root.putObject("files");
        List<Long> sizes = v.sizes();
        for (int i = 0; i < StashFiles.ALL.size(); i++) {
            String f = StashFiles.ALL.get(i);
            files.putObject(f).put("entries", sizes.get(i)).put("bytes", diskBytes(f));
        }
        List<Registration> regs = v.registrations(new ArrayList<>());
        root.put("registrations", regs.size());
        root.put("probes", regs.stream().mapToInt(r -> r.probes().size()).sum());
        root.put("stale_registrations", regs.stream().filter(Registration::stale).count());
        ObjectNode meta = root.putObject("meta");
        v.meta().forEach(meta::put);
    }

    // ---- pids

    private void pidsText(PrintStream out) {
        List<Registration> regs = v.registrations(new ArrayList<>());
        out.printf("%8s %9s %14s %22s %6s%n", "pid", "next-gen", "start-time", "exec (dev inode)", "regs");
        for (PidState s : v.pids(new ArrayList<>())) {
            long n = regs.stream().filter(r -> r.key().pid() == s.pid()).count();
            out.printf("%8d %9d %14d %22s %6d%n", s.pid(), s.nextGeneration(), s.identity().startTime(),
                    file(s.identity().execDev(), s.identity().execInode()), n);
        }
    }

    private ArrayNode pidsJson() {
        List<Registration> regs = v.registrations(new ArrayList<>());
        ArrayNode a = M.createArrayNode();
        for (PidState s : v.pids(new ArrayList<>())) {
            ObjectNode o = a.addObject().put("pid", s.pid()).put("next_generation", s.nextGeneration())
                    .put("start_time", s.identity().startTime());
            Numbers.putUnsigned(o, "exec_dev", s.identity().execDev());
            Numbers.putUnsigned(o, "exec_inode", s.identity().execInode());
            o.put("registrations", regs.stream().filter(r -> r.key().pid() == s.pid()).count());
        }
        return a;
    }

    // ---- registrations

    private void registrationsText(PrintStream out) {
        out.printf("%-14s %-16s %-30s %-16s %-18s %8s %6s %s%n", "pid/gen", "module", "mapping (dev inode @start)",
                "load base", "raw DOF", "bytes", "probes", "committed");
        for (Registration r : v.registrations(new ArrayList<>())) {
            var m = r.record().mapping();
            out.printf("%-14s %-16s %-30s %-16s %-18s %8d %6s %s%n", r.key(), p(r.record().helper().module()),
                    file(m.dev(), m.inode()) + " @" + hex(m.start()) + (m.path().isEmpty() ? "" : " " + p(m.path())),
                    hex(r.record().helper().loadBase()), r.dofKey().hex().substring(0, 16) + "..", r.dofSize(),
                    r.stale() ? "stale" : Integer.toString(r.probes().size()),
                    Numbers.time(r.committedAtMillis()) + (r.record().adopted() ? "  adopted" : ""));
        }
    }

    private ArrayNode registrationsJson() {
        ArrayNode a = M.createArrayNode();
        for (Registration r : v.registrations(new ArrayList<>())) {
            var m = r.record().mapping();
            var h = r.record().helper();
            var id = r.record().process();
            ObjectNode o = a.addObject().put("pid", r.key().pid()).put("generation", r.key().generation())
                    .put("adopted", r.record().adopted());
            ObjectNode mo = o.putObject("mapping");
            Numbers.putUnsigned(mo, "dev", m.dev());
            Numbers.putUnsigned(mo, "inode", m.inode());
            Numbers.putUnsigned(mo, "start", m.start());
            mo.put("path", m.path());
            ObjectNode ho = o.putObject("helper").put("module", h.module());
            Numbers.putUnsigned(ho, "load_base", h.loadBase());
            Numbers.putUnsigned(ho, "dof_address", h.dofAddress());
            ObjectNode po = o.putObject("process").put("start_time", id.startTime());
            Numbers.putUnsigned(po, "exec_dev", id.execDev());
            Numbers.putUnsigned(po, "exec_inode", id.execInode());
            o.put("dof_key", r.dofKey().hex()).put("dof_size", r.dofSize())
                    .put("committed_at", Numbers.time(r.committedAtMillis()))
                    .put("parsed_version", r.parsedVersion()).put("stale", r.stale()).put("probes", r.probes().size());
        }
        return a;
    }

    // ---- probes

    private List<ProbeRecord> probes(String desc) {
        ProbeDescription g = desc == null ? null : ProbeDescription.parse(desc);
        List<ProbeRecord> out = new ArrayList<>();
        for (Registration r : v.registrations(new ArrayList<>())) {
            for (ProbeRecord pr : r.probes()) {
                if (g == null || g.matches(pr.provider(), pr.pid(), pr.module(), pr.function(), pr.name())) {
                    out.add(pr);
                }
            }
        }
        return out;
    }

    private void probesText(String desc, PrintStream out) {
        out.printf("%-14s %-40s %s%n", "pid/gen", "provider:module:function:name", "sites (E = is-enabled) / args");
        for (ProbeRecord pr : probes(desc)) {
            StringBuilder sites = new StringBuilder();
            for (ProbeSite s : pr.sites()) {
                sites.append(sites.length() == 0 ? "" : " ").append(hex(s.address())).append(s.isEnabled() ? "E" : "");
            }
            out.printf("%-14s %-40s %s  (%s)%n", pr.registration(), p(pr.provider() + pr.pid() + ":" + pr.module() + ":"
                    + pr.function() + ":" + pr.name()), sites, p(String.join(", ", pr.nativeTypes())));
        }
    }

    private ArrayNode probesJson(String desc) {
        ArrayNode a = M.createArrayNode();
        for (ProbeRecord pr : probes(desc)) {
            // the field names and number forms of the query protocol's probe objects (docs/PROTOCOL.md)
            ObjectNode o = a.addObject().put("pid", pr.pid()).put("generation", pr.registration().generation())
                    .put("provider", pr.provider() + pr.pid()).put("provider_name", pr.provider())
                    .put("module", pr.module()).put("function", pr.function()).put("name", pr.name());
            o.set("native_types", M.valueToTree(pr.nativeTypes()));
            o.set("translated_types", M.valueToTree(pr.translatedTypes()));
            o.set("argmap", M.valueToTree(pr.argmap()));
            ArrayNode sites = o.putArray("sites");
            pr.sites().forEach(s -> Numbers.putUnsigned(sites.addObject(), "address", s.address())
                    .put("is_enabled", s.isEnabled()));
        }
        return a;
    }

    // ---- dof

    private record Decoded(byte[] raw, List<Registration> users, ParsedDof parsed, String error) {
    }

    private Decoded decode(String key) throws StashException {
        ContentHash h = ContentHash.parseHex(key);
        byte[] raw = v.rawDof(h).orElseThrow(() -> new IllegalArgumentException("no raw DOF under key " + key));
        List<Registration> users = v.registrations(new ArrayList<>()).stream().filter(r -> r.dofKey().equals(h)).toList();
        DofHelper helper = users.isEmpty() ? new DofHelper("", 0, 0) : users.get(0).record().helper();
        int pid = users.isEmpty() ? (int) DofParser.UNKNOWN_PID : users.get(0).key().pid();
        try {
            return new Decoded(raw, users, new DofParser().parse(ByteBuffer.wrap(raw), helper, pid), null);
        } catch (DofFormatException e) {
            return new Decoded(raw, users, null, e.getMessage());
        }
    }

    private void dofText(String key, PrintStream out) throws StashException {
        Decoded d = decode(key);
        out.println("raw DOF " + key + ": " + d.raw().length + " bytes, used by " + d.users().size() + " registrations "
                + d.users().stream().map(r -> r.key().toString()).toList());
        if (d.parsed() == null) {
            out.println("does not parse: " + d.error());
            return;
        }
        ParsedDof pd = d.parsed();
        out.println("DOF version " + pd.version() + ", model " + DofText.model(pd.model()) + ", load size " + pd.loadSize()
                + (d.users().isEmpty() ? "" : ", relocated for load base " + hex(d.users().get(0).record().helper().loadBase())));
        for (ParsedProvider pv : pd.providers()) {
            out.println("provider " + p(pv.name()) + " (section " + pv.section() + ", " + pv.probes().size() + " probes)");
            for (ParsedProbe pr : pv.probes()) {
                out.println("  " + p(pd.module() + ":" + pr.function() + ":" + pr.name()) + "  args ("
                        + p(String.join(", ", pr.nativeTypes())) + ")  sites " + pr.storedSites().size());
            }
        }
        pd.violations().forEach(x -> out.println("violation: " + p(x.message())));
    }

    private void dofJson(String key, ObjectNode root) throws StashException {
        Decoded d = decode(key);
        root.put("dof_key", key).put("size", d.raw().length);
        ArrayNode users = root.putArray("used_by");
        d.users().forEach(r -> users.add(r.key().toString()));
        if (d.parsed() == null) {
            root.put("error", d.error());
        } else {
            JsonNode parsed = DofJson.of(d.parsed(), d.users().isEmpty() ? 0 : d.users().get(0).record().helper().loadBase());
            root.set("decoded", parsed);
        }
    }

    // ---- negative

    private long ttlMillis() {
        Long t = v.meta().get(StashMeta.NEGATIVE_TTL);
        return t == null ? StashConfig.DEFAULT_NEGATIVE_TTL.toMillis() : t;
    }

    private void negativeText(PrintStream out) {
        long ttl = ttlMillis();
        long now = System.currentTimeMillis();
        out.printf("%-24s %12s %-30s %-12s %-24s %-10s %s%n", "file (dev inode)", "size", "mtime", "verdict", "recorded",
                "expires in", "reason");
        for (NegativeEntry e : v.negative(new ArrayList<>())) {
            long left = e.recordedAtMillis() + ttl - now;
            out.printf("%-24s %12d %-30s %-12s %-24s %-10s %s%n", file(e.dev(), e.inode()), e.size(),
                    Numbers.timeNanos(e.mtimeNanos()), e.verdict(), Numbers.time(e.recordedAtMillis()),
                    left <= 0 ? "expired" : (left / 1000) + "s", p(e.reason())
                            + (e.path().isEmpty() ? "" : "  " + p(e.path())));
        }
    }

    private ArrayNode negativeJson() {
        long ttl = ttlMillis();
        ArrayNode a = M.createArrayNode();
        for (NegativeEntry e : v.negative(new ArrayList<>())) {
            ObjectNode o = a.addObject();
            Numbers.putUnsigned(o, "dev", e.dev());
            Numbers.putUnsigned(o, "inode", e.inode());
            o.put("size", e.size()).put("mtime_nanos", e.mtimeNanos()).put("verdict", e.verdict().name())
                    .put("reason", e.reason()).put("path", e.path())
                    .put("recorded_at", Numbers.time(e.recordedAtMillis()))
                    .put("expires_at", Numbers.time(e.recordedAtMillis() + ttl));
        }
        return a;
    }
}
