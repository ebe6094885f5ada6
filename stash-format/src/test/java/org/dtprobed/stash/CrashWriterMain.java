package org.dtprobed.stash;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.protocol.RegistrationKey;

/**
 * The child of {@link StashCrashTest}: opens the stash and commits (and sometimes removes)
 * registrations in a tight loop until it is killed. A line is printed only after the operation
 * returned (into the file args[4]), so every "C" line is a registration the daemon would have acknowledged.
 * Each run gets its own mapping addresses (args[3]), so no commit replaces an earlier one
 * (re-registering the same mapping and DOF address replaces by design).
 * Lines: {@code OPEN recovered=B END}, {@code C pid gen END}, {@code r pid gen END} (removal starts),
 * {@code R pid gen END} (removal returned).
 */
public final class CrashWriterMain {
    private CrashWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[1]));
        int pidBase = Integer.parseInt(args[2]);
        long mappingBase = Long.parseLong(args[3]) << 36;
        List<Fixtures.Blob> blobs = new ArrayList<>();
        List<ParsedDof> parsed = new ArrayList<>();
        int bigProbes = Integer.getInteger("crash.probes", 0);
        if (bigProbes > 0) {
            // StashTierCrashTest: values so large that Chronicle chains extra tiers
            Fixtures.Blob b = new Fixtures.Blob("dofwriter-" + bigProbes, StashFullDiskIT.dof(bigProbes),
                    StashFullDiskIT.HELPER, pidBase);
            blobs.add(b);
            parsed.add(b.parse(pidBase));
        } else {
            for (String n : Fixtures.LIBUSDT) {
                Fixtures.Blob b = Fixtures.blob(n);
                blobs.add(b);
                parsed.add(b.parse(pidBase));
            }
        }
        // one write(2) per line into a file: the line is in the page cache before the next
        // operation starts, so kill -9 loses none (a pipe read by the parent's Process streams can
        // lose its tail when the process dies)
        java.io.FileOutputStream ack = new java.io.FileOutputStream(args[4], true);
        java.util.function.Consumer<String> out = line -> {
            try {
                ack.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        // the tier test's 190 KiB values: a small stash, where they make Chronicle chain tiers
        Stash s = Stash.open(bigProbes > 0 ? StashConfig.small(dir) : Fixtures.crashConfig(dir));
        out.accept("OPEN recovered=" + s.recovered() + " END");
        List<RegistrationKey> live = new ArrayList<>();
        long mapping = 0;
        long ops = 0;
        while (true) {
            if (++ops % 200 == 0) {
                for (RegistrationKey k : live) {
                    if (s.registration(k).isEmpty()) {
                        out.accept("LOST " + k + " END");
                    }
                }
            }
            if (!live.isEmpty() && rnd.nextInt(5) < 2) {
                RegistrationKey k = live.remove(rnd.nextInt(live.size()));
                out.accept("r " + k.pid() + " " + k.generation() + " END");
                s.remove(k.pid(), k.generation());
                out.accept("R " + k.pid() + " " + k.generation() + " END");
                continue;
            }
            int i = rnd.nextInt(blobs.size());
            Fixtures.Blob b = blobs.get(i);
            int pid = pidBase + rnd.nextInt(40);
            RegistrationRecord rec = new RegistrationRecord(pid, new Mapping(0, 0, mappingBase + 0x10000L * ++mapping, "[heap]"),
                    b.helper(), new ProcessIdentity(pid, 2049, 777));
            RegistrationKey k;
            try {
                k = s.commit(rec, b.dof(), parsed.get(i)).key();
            } catch (StashException e) {
                if (e.kind() != StashException.Kind.FULL) {
                    throw e;
                }
                // full: make room by removing one (of this run or an earlier one); "F" tells the test it happened
                out.accept("F END");
                List<RegistrationKey> any = new ArrayList<>(live);
                if (any.isEmpty()) {
                    s.forEachRegistration(r -> any.add(r.key()));
                }
                RegistrationKey victim = any.get(rnd.nextInt(any.size()));
                live.remove(victim);
                out.accept("r " + victim.pid() + " " + victim.generation() + " END");
                s.remove(victim.pid(), victim.generation());
                out.accept("R " + victim.pid() + " " + victim.generation() + " END");
                continue;
            }
            live.add(k);
            out.accept("C " + k.pid() + " " + k.generation() + " END");
        }
    }
}
