package org.dtprobed.stash;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.dtprobed.dof.ParsedDof;

/**
 * The child of {@link StashCrashTest}: opens the stash and commits (and sometimes removes)
 * registrations in a tight loop until it is killed. A line is printed only after the operation
 * returned, so every "C" line is a registration the daemon would have acknowledged.
 * Lines: {@code OPEN recovered=B END}, {@code C pid gen END}, {@code R pid gen END}.
 */
public final class CrashWriterMain {
    private CrashWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[1]));
        int pidBase = Integer.parseInt(args[2]);
        List<Fixtures.Blob> blobs = new ArrayList<>();
        List<ParsedDof> parsed = new ArrayList<>();
        for (String n : Fixtures.LIBUSDT) {
            Fixtures.Blob b = Fixtures.blob(n);
            blobs.add(b);
            parsed.add(b.parse(pidBase));
        }
        Stash s = Stash.open(Fixtures.config(dir));
        System.out.println("OPEN recovered=" + s.recovered() + " END");
        List<RegistrationKey> live = new ArrayList<>();
        long mapping = 0;
        while (true) {
            if (!live.isEmpty() && rnd.nextInt(5) == 0) {
                RegistrationKey k = live.remove(rnd.nextInt(live.size()));
                s.remove(k.pid(), k.generation());
                System.out.println("R " + k.pid() + " " + k.generation() + " END");
                continue;
            }
            int i = rnd.nextInt(blobs.size());
            Fixtures.Blob b = blobs.get(i);
            int pid = pidBase + rnd.nextInt(40);
            RegistrationRecord rec = new RegistrationRecord(pid, new Mapping(0, 0, 0x10000L * ++mapping, "[heap]"),
                    b.helper(), new ProcessIdentity(pid, 2049, 777));
            RegistrationKey k = s.commit(rec, b.dof(), parsed.get(i));
            live.add(k);
            System.out.println("C " + k.pid() + " " + k.generation() + " END");
        }
    }
}
