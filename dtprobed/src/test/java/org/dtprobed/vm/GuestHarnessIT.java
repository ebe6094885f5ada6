package org.dtprobed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The qemu harness's own contracts that end a guest, so each needs a boot of its own (a few seconds
 * each): run-in-guest's wall-clock {@code --timeout} gives exit 124, a kernel panic exit 125.
 * Everything else runs in the one guest of {@link CuseGuestIT}.
 */
@Tag("qemu")
@Requires({Capability.ROOT, Capability.QEMU})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuestHarnessIT {
    private GuestVm vm;

    @BeforeAll
    void prepareGuest() throws Exception {
        vm = GuestVm.prepare();
    }

    @Test
    void timeoutKillsTheGuestWithExit124() throws Exception {
        GuestRun run = vm.runWithTimeout("timeout", Duration.ofSeconds(5), "sleep", "600");

        assertThat(run.exitCode()).as(run::describe).isEqualTo(GuestVm.EXIT_TIMEOUT);
        assertThat(run.harnessLog()).contains("timed out after 5 s");
    }

    @Test
    void kernelPanicGivesExit125() throws Exception {
        GuestRun run = vm.run("panic", Duration.ofMinutes(5), List.of("sh", "-c", "echo c > /proc/sysrq-trigger"));

        assertThat(run.exitCode()).as(run::describe).isEqualTo(GuestVm.EXIT_NO_RESULT);
        assertThat(run.harnessLog()).contains("the guest stopped without a result");
        assertThat(run.output()).contains("Kernel panic");
    }
}
