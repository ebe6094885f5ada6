package org.dtprobed.helper;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A complete, in-memory {@link HelperRequests} for exercising the transports with real kernels
 * and real clients (tests, the VM harness, {@code TransportMain}). It parses each DOF in-process
 * with {@link DofParser}, refuses what the parser refuses, hands out per-pid generations from 0
 * and remembers what it saw. It is <em>not</em> the daemon's pipeline: that parses in the jailed
 * child and commits to the stash before answering. Test scope for that reason: a class that parses
 * untrusted DOF outside the jail has no place in the production jar.
 */
public final class InMemoryHelperRequests implements HelperRequests {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryHelperRequests.class);

    /** One accepted registration. */
    public record Registration(Caller caller, long generation, DofHelper helper, byte[] dof, ParsedDof parsed) {
    }

    /** One removal as asked for; {@code known} tells whether that generation was registered. */
    public record Removal(Caller caller, long generation, boolean known) {
    }

    private final DofParser parser = new DofParser();
    private final Map<Integer, Long> nextGeneration = new HashMap<>();
    private final Map<Integer, Map<Long, Registration>> live = new HashMap<>();
    private final List<Registration> added = new ArrayList<>();
    private final List<Removal> removals = new ArrayList<>();

    @Override
    public long addDof(Caller caller, DofHelper helper, DofHeader header, byte[] dof) throws HelperException {
        ParsedDof parsed;
        try {
            parsed = parser.parse(ByteBuffer.wrap(dof), helper, caller.pid());
        } catch (DofFormatException e) {
            throw new HelperException(e.errno(), "DOF parsing error: " + e.getMessage(), e);
        }
        if (!parsed.registrable()) {
            throw new HelperException(parsed.violations().get(0).rule().errno(),
                    "DOF refused: " + parsed.violations().get(0));
        }
        synchronized (this) {
            long gen = nextGeneration.merge(caller.pid(), 1L, Long::sum) - 1;
            Registration r = new Registration(caller, gen, helper, dof, parsed);
            live.computeIfAbsent(caller.pid(), p -> new HashMap<>()).put(gen, r);
            added.add(r);
            LOG.info("pid {}: registered {} ({} bytes, {} probes) as generation {}", caller.pid(), helper.module(),
                    dof.length, parsed.probeCount(), gen);
            return gen;
        }
    }

    @Override
    public synchronized void remove(Caller caller, long generation) {
        Map<Long, Registration> gens = live.get(caller.pid());
        boolean known = gens != null && gens.remove(generation) != null;
        removals.add(new Removal(caller, generation, known));
        LOG.info("pid {}: removed generation {}{}", caller.pid(), generation, known ? "" : " (unknown)");
    }

    public synchronized List<Registration> registrations() {
        return List.copyOf(added);
    }

    public synchronized List<Removal> removals() {
        return List.copyOf(removals);
    }

    /** Registrations of {@code pid} not removed yet. */
    public synchronized List<Registration> live(int pid) {
        return List.copyOf(live.getOrDefault(pid, Map.of()).values());
    }
}
