@verifier
Feature: Low Resources Simulation: allocations fail at a seeded rate, and only the driver that checks for NULL survives

  With Low Resources Simulation (0x4) Verifier makes a verified driver's allocations fail at
  random: ExAllocatePoolWithTag, IoAllocateMdl and IoAllocateIrp return NULL, and so does
  MmMapLockedPagesSpecifyCache (and with it MmGetSystemAddressForMdlSafe) and, since Windows Vista,
  MmAllocateContiguousMemory(SpecifyCache). Windows fails 6 % of
  them by default; a scenario names the rate (failures in 10,000 calls) and the seed, so the same
  calls fail on every run. `!verifier` in the report shows both and the failures injected.
  Source: https://learn.microsoft.com/windows-hardware/drivers/devtest/low-resources-simulation.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    And a driver "Careful.sys" with a device "\Device\Careful"
    And a driver "Careless.sys" with a device "\Device\Careless"

  Scenario: every allocation fails; the driver that checks for NULL returns STATUS_INSUFFICIENT_RESOURCES
    Given Driver Verifier is enabled for "Careful.sys" with flags 0x4, failing 10000 in 10000 calls with seed 7
    When "Careful.sys" runs:
      | status = STATUS_SUCCESS                                      |
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)          |
      | if (mdl == NULL) status = STATUS_INSUFFICIENT_RESOURCES       |
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x100, 0x74736554)    |
    Then mdl is NULL
    And p is NULL
    And status is STATUS_INSUFFICIENT_RESOURCES
    And the machine is running

  Scenario: the same failure in a driver that does not check: it probes through NULL and the system service crashes
    Given Driver Verifier is enabled for "Careless.sys" with flags 0x4, failing 10000 in 10000 calls with seed 7
    When "Careless.sys" runs:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    Then the machine bug-checked with SYSTEM_SERVICE_EXCEPTION (0xC0000005, *, *, 0)

  Scenario: a mapping that fails: MmGetSystemAddressForMdlSafe returns NULL to a driver that allocated its MDL before Verifier's turn
    Given Driver Verifier is enabled for "Careful.sys" with flags 0x4, failing 10000 in 10000 calls with seed 7
    And Driver Verifier is enabled for "Careless.sys" with flags 0x4, failing 0 in 10000 calls with seed 7
    When "Careless.sys" runs:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    And "Careful.sys" runs:
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
    Then va is NULL
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And the machine is running

  Scenario: at Windows's default rate, 600 in 10,000, seed 7 fails the sixth allocation, and only it, on every run
    Given Driver Verifier is enabled for "Careful.sys" with flags 0x4, failing 600 in 10000 calls with seed 7
    When "Careful.sys" runs:
      | a1 = ExAllocatePoolWithTag(NonPagedPool, 0x20, 0x74736554) |
      | a2 = ExAllocatePoolWithTag(NonPagedPool, 0x20, 0x74736554) |
      | a3 = ExAllocatePoolWithTag(NonPagedPool, 0x20, 0x74736554) |
      | a4 = ExAllocatePoolWithTag(NonPagedPool, 0x20, 0x74736554) |
      | a5 = ExAllocatePoolWithTag(NonPagedPool, 0x20, 0x74736554) |
      | a6 = ExAllocatePoolWithTag(NonPagedPool, 0x20, 0x74736554) |
      | a7 = ExAllocatePoolWithTag(NonPagedPool, 0x20, 0x74736554) |
    Then these hold:
      | expression | value    |
      | a5 != NULL | 1        |
      | a6         | NULL     |
      | a7 != NULL | 1        |

  Scenario: Systematic Low Resources Simulation fails each call site the first time, then lets it pass
    # https://learn.microsoft.com/windows-hardware/drivers/devtest/systematic-low-resource-simulation
    # A call site here is the driver routine that calls and the routine it calls.
    Given Driver Verifier is enabled for "Careful.sys" with flags 0x40000
    When "Careful.sys" runs:
      | first = ExAllocatePoolWithTag(NonPagedPool, 0x20, 0x74736554)  |
      | second = ExAllocatePoolWithTag(NonPagedPool, 0x20, 0x74736554) |
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)           |
      | mdl2 = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)          |
    Then first is NULL
    And second is not NULL
    And mdl is NULL
    And mdl2 is not NULL

  @ddi:MmAllocateContiguousMemory
  Scenario: contiguous memory is among the allocations that fail: NULL, and no frame is taken
    Given Driver Verifier is enabled for "Careful.sys" with flags 0x4, failing 10000 in 10000 calls with seed 7
    And AvailablePages is noted as avail0
    When "Careful.sys" runs:
      | va = MmAllocateContiguousMemory(0x4000, 0xFFFFFFFF) |
    Then va is NULL
    And AvailablePages is avail0
    And the machine is running
