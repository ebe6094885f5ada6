package org.dtprobed.vm;

import java.nio.file.Path;
import java.util.List;

/**
 * What one {@code scripts/vm/run-in-guest} call produced.
 *
 * @param command the command run in the guest
 * @param exitCode the command's exit code, or {@link GuestVm#EXIT_TIMEOUT} /
 *     {@link GuestVm#EXIT_NO_RESULT}
 * @param output the command's stdout and stderr as streamed from the guest console
 * @param harnessLog run-in-guest's own messages (work dir, timings, failures)
 * @param workDir the host dir the guest saw writable as {@code $DTP_VM_WORK}
 */
public record GuestRun(List<String> command, int exitCode, String output, String harnessLog, Path workDir) {

  public GuestRun {
    command = List.copyOf(command);
  }

  /** Everything in one text, for assertion messages. */
  public String describe() {
    return "guest command " + command + " exited " + exitCode
        + "\n--- guest output ---\n" + output
        + "--- run-in-guest log ---\n" + harnessLog;
  }
}
