@verifier @mm
Feature: Pages left locked at process exit: 0x76 by default, 0xCB naming the MDL when the kernel tracks locked pages

  A process may not exit while a driver holds its pages locked. Windows checks the process's
  locked-page charge at exit: PROCESS_HAS_LOCKED_PAGES (0x76). With the TrackLockedPages registry
  value, or for a driver verified with Pool Tracking (0x8, part of the standard settings), the
  kernel records who locked each MDL, and the same exit is DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS
  (0xCB: the tracking structure, 0, the MDL, its locked pages).
  Sources: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x76--process-has-locked-pages,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xcb--driver-left-locked-pages-in-process,
  https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking.

  Scenario: a driver frees the MDL but never unlocks it; without tracking the exit is 0x76
    Given a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | IoFreeMdl(mdl)                                       |
    And "app" exits
    Then the machine bug-checked with PROCESS_HAS_LOCKED_PAGES (0, app, 2, 0)

  Scenario: the same with TrackLockedPages: 0xCB names the MDL
    Given the machine tracks locked pages
    And a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | IoFreeMdl(mdl)                                       |
    And "app" exits
    Then the machine bug-checked with DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS (*, 0, mdl, 2)

  Scenario: the same by a driver verified with standard settings (Pool Tracking): 0xCB
    Given a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    And Driver Verifier is enabled for the driver with standard settings
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | IoFreeMdl(mdl)                                       |
    And "app" exits
    Then the machine bug-checked with DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS (*, 0, mdl, 2)

  Scenario: verified without Pool Tracking (special pool only): the kernel does not track, 0x76
    Given a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    And Driver Verifier is enabled for the driver with flags 0x1
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | IoFreeMdl(mdl)                                       |
    And "app" exits
    Then the machine bug-checked with PROCESS_HAS_LOCKED_PAGES (0, app, 2, 0)

  Scenario: unlocked before the exit: tracked or not, nothing is raised and the tracking is gone
    Given the machine tracks locked pages
    And a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    And PoolBytesInUse is noted as pool0
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | MmUnlockPages(mdl)                                   |
      | IoFreeMdl(mdl)                                       |
    And "app" exits
    Then the machine is running
