package org.dtprobed.client;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.protocol.RegistrationKey;

/**
 * DOF probes as ordinary kernel trace events: one named uprobe event per probe site, in the
 * global {@code uprobe_events}, so that perf, trace-cmd and ftrace find them as {@code
 * GROUP:EVENT} ({@code perf record -e 'myprov1234:req_done'}). The group is the provider with its
 * pid, the event the probe's name (a second site or a second probe of the same name gets {@code
 * _1}, {@code _2}, ...), both reduced to the characters tracefs takes; the fetch-args are the
 * probe's arguments, as {@code dtprobe trace} defines them. Events follow the registrations:
 * {@link #add} when one comes, {@link #remove} when it goes, {@link #close} removes them all.
 */
final class Publisher implements AutoCloseable {
    /** One published event. */
    record Event(String group, String name, ProbeEntry probe, String definition) {
        String perfName() {
            return group + ":" + name;
        }
    }

    private final TraceFs fs;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Map<RegistrationKey, List<Event>> byRegistration = new LinkedHashMap<>();
    private final Map<String, Set<String>> namesInGroup = new HashMap<>();
    /** Events the kernel would not delete yet (a tool still has them open): tried again on every change. */
    private final List<Event> undeleted = new ArrayList<>();
    private boolean closed;

    Publisher(TraceFs fs, PrintWriter out, PrintWriter err) {
        this.fs = fs;
        this.out = out;
        this.err = err;
    }

    /** The tracefs name for a provider-with-pid or probe name: letters, digits and {@code _}, not starting with a digit. */
    static String eventName(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_') ? c : '_');
        }
        if (sb.length() == 0 || Character.isDigit(sb.charAt(0))) {
            sb.insert(0, '_');
        }
        return sb.toString();
    }

    /** Publishes the probes of one registration (a registration already published is left as it is). */
    synchronized List<Event> add(RegistrationKey reg, List<ProbeEntry> probes) {
        retryDeletes();
        if (closed || byRegistration.containsKey(reg)) {
            return List.of();
        }
        List<Event> made = new ArrayList<>();
        byRegistration.put(reg, made);
        for (ProbeEntry p : probes) {
            List<ArgFetch> args = ArgFetch.of(p.nativeTypes());
            for (Tracer.Target t : Tracer.plan(List.of(p), err).keySet()) {
                String group = eventName(p.providerWithPid());
                String name = unique(group, eventName(p.name()));
                String def = TraceFs.definition(group, name, t.file(), t.offset(), ArgFetch.definitions(args));
                try {
                    fs.addUprobe(group, name, t.file(), t.offset(), ArgFetch.definitions(args));
                    Event e = new Event(group, name, p, def);
                    made.add(e);
                    out.println("+ " + e.perfName() + "  " + p.fullName());
                } catch (IOException e) {
                    namesInGroup.get(group).remove(name);
                    err.println("dtprobe: cannot publish " + p.fullName() + " as " + group + ":" + name + ": "
                            + e.getMessage());
                }
            }
        }
        out.flush();
        err.flush();
        return made;
    }

    private String unique(String group, String base) {
        return unique(namesInGroup, group, base);
    }

    /** {@code base}, or {@code base_1}, {@code base_2}, ...: the first name not yet used in the group (now taken). */
    static String unique(Map<String, Set<String>> namesInGroup, String group, String base) {
        Set<String> used = namesInGroup.computeIfAbsent(group, g -> new HashSet<>());
        String name = base;
        for (int n = 1; !used.add(name); n++) {
            name = base + "_" + n;
        }
        return name;
    }

    /** Removes the events of a registration that went away. */
    synchronized void remove(RegistrationKey reg) {
        List<Event> events = byRegistration.remove(reg);
        if (events != null) {
            events.forEach(this::delete);
        }
        retryDeletes();
        out.flush();
        err.flush();
    }

    private void delete(Event e) {
        try {
            fs.removeUprobe(e.group(), e.name());
            Set<String> used = namesInGroup.get(e.group());
            used.remove(e.name());
            if (used.isEmpty()) {
                namesInGroup.remove(e.group());
            }
            out.println("- " + e.perfName());
        } catch (IOException x) {
            if (!undeleted.contains(e)) {
                undeleted.add(e);
                err.println("dtprobe: cannot remove " + e.perfName() + " yet (" + x.getMessage()
                        + "; is a tool still recording it?): will try again");
            }
        }
    }

    private void retryDeletes() {
        List<Event> again = new ArrayList<>(undeleted);
        undeleted.clear();
        again.forEach(this::delete);
    }

    /** Every event published now. */
    synchronized List<Event> events() {
        return byRegistration.values().stream().flatMap(List::stream).toList();
    }

    /** Removes every event this publisher made; carries on past failures and reports them. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (List<Event> events : byRegistration.values()) {
            events.forEach(this::delete);
        }
        byRegistration.clear();
        retryDeletes();
        for (Event e : undeleted) {
            err.println("dtprobe: left behind: " + e.perfName() + " (remove it with: echo '-:" + e.group() + "/"
                    + e.name() + "' >> " + fs.root().resolve("uprobe_events") + ")");
        }
        out.flush();
        err.flush();
    }
}
