@verifier
Feature: Verifier checks the drivers it names, from the next call on

  Verifier thunks the imports of the driver images it is told to verify; other drivers reach the
  kernel's routines directly, and their misuse ends as the free build ends it. Settings given to
  a running machine take effect from the next call, as `verifier /volatile /adddriver` does.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/devtest/driver-verifier-command-syntax,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf

  Scenario: unlocking a never-locked MDL, not verified: the free build unlocks what the PFN array says, PFN_LIST_CORRUPT
    Given Driver Verifier is enabled for "Other.sys" with standard settings
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmUnlockPages(mdl)                                   |
    Then the machine bug-checked with PFN_LIST_CORRUPT (7, *, *, 0)

  Scenario: the same unlock, verified: 0xC4/0x7C names the MDL before anything is touched
    Given Driver Verifier is enabled for the driver with flags 0x1
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmUnlockPages(mdl)                                   |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x7C, mdl, mdl->MdlFlags, 0)
