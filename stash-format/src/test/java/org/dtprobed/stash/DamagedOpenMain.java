package org.dtprobed.stash;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Child of {@link StashDamageTest}: opens a stash with a deadline of args[1] seconds and prints
 * {@code OPENED n} or {@code FAILED KIND message}. In a JVM of its own because an open that runs
 * into its deadline leaves a thread looping in Chronicle code until the process exits.
 */
public final class DamagedOpenMain {
    private DamagedOpenMain() {
    }

    public static void main(String[] args) {
        StashConfig c = StashConfig.at(Path.of(args[0])).withOpenDeadline(Duration.ofSeconds(Long.parseLong(args[1])));
        try (Stash s = Stash.open(c)) {
            System.out.println("OPENED " + s.stats().registrations());
        } catch (StashException e) {
            System.out.println("FAILED " + e.kind() + " " + e.getMessage());
        }
        System.out.flush();
        // the open thread may still loop in mapped memory: it is a daemon thread, and exit ends it
        System.exit(0);
    }
}
