@mm @disagreement
Feature: Where the sources disagree, the machine does what Windows does

  Microsoft's documentation, ReactOS and Wine's Windows-verified tests differ in places. Each
  scenario names the disagreement and shows the Windows (10/11 x64) behaviour on the machine.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x4000 of PAGE_READWRITE memory as buf
    And SystemPtesInUse is noted as ptes0

  # Microsoft (IoBuildPartialMdl page): IoFreeMdl releases a partial MDL's own mapping.
  # ReactOS iomdl.c does that through MmPrepareMdlForReuse and nothing for other MDLs; Windows
  # without Verifier then leaks the PTEs (Verifier reports 0xC4/0xB8). Wine frees memory only.
  @ddi:IoFreeMdl
  Scenario: IoFreeMdl of a mapped, locked, non-partial MDL leaks its system PTEs and its lock
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | IoFreeMdl(mdl)                                             |
    Then SystemPtesInUse is ptes0 + 2
    And pte(va)->Valid is 1
    And app->NumberOfLockedPages is 2

  # Microsoft: "Starting with Windows 7, MmFreePagesFromMdl also unmaps the pages if they
  # are mapped"; ReactOS's MmFreePagesFromMdl frees the pages and leaves the mapping.
  @ddi:MmFreePagesFromMdl
  Scenario: MmFreePagesFromMdl releases a system mapping first (Windows 7 and later; not ReactOS)
    When the driver calls:
      | mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFF, 0, 0x2000, MmCached, 0) |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)               |
      | MmFreePagesFromMdl(mdl)                                                  |
    Then SystemPtesInUse is ptes0
    And pte(va)->Valid is 0

  # Microsoft (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioallocatemdl):
  # Windows 7 and later accept lengths up to 4 GB - PAGE_SIZE; ReactOS and its kmtests keep the NT 5.2
  # limit (an MDL's Size is a 16-bit field, about 32 MB). A zero length: no page says it fails;
  # ReactOS's iomdl.c allocates an MDL describing 0 bytes, and Microsoft lists "Length must be
  # non-zero" only as an assertion of the checked build
  # (https://learn.microsoft.com/windows-hardware/drivers/devtest/checked-build-asserts).
  @ddi:IoAllocateMdl
  Scenario Outline: IoAllocateMdl of <length> bytes <outcome>
    When the driver calls mdl = IoAllocateMdl(0x10000000, <length>, FALSE, FALSE, NULL)
    Then mdl is <result>

    Examples:
      | length     | outcome                                  | result   |
      | 0x4000000  | succeeds (64 MiB: over the NT 5.2 limit)  | not NULL |
      | 0xFFFFF000 | succeeds (4 GB - PAGE_SIZE)               | not NULL |
      | 0xFFFFF001 | returns NULL                              | NULL     |

  @ddi:IoAllocateMdl
  Scenario: IoAllocateMdl of 0 bytes returns an MDL describing 0 bytes (ReactOS; Microsoft's checked build asserts)
    When the driver calls mdl = IoAllocateMdl(0x10000000, 0, FALSE, FALSE, NULL)
    Then mdl is not NULL
    And mdl->ByteCount is 0
    And mdl->MdlFlags has MDL_ALLOCATED_FIXED_SIZE

  # x64 wdm.h defines KeRaiseIrql and KeLowerIrql as inlines that write CR8, with no check in a free
  # build (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keraiseirql); ReactOS's
  # x86 HAL (hal/halx86/generic/irql.c) bug-checks IRQL_NOT_GREATER_OR_EQUAL (0x9) for a raise to a
  # lower IRQL. The machine is x64.
  @ddi:KeRaiseIrql
  Scenario: KeRaiseIrql to a lower IRQL does not bug-check on x64 (ReactOS's x86 HAL bug-checks 0x9)
    When the driver calls:
      | old = KeRaiseIrql(DISPATCH_LEVEL) |
      | KeRaiseIrql(PASSIVE_LEVEL)        |
    Then the machine is running
    And CurrentIrql is PASSIVE_LEVEL

  # Windows bug-checks PROCESS_HAS_LOCKED_PAGES (0x76) when a process exits with pages
  # still locked; ReactOS does nothing. (The forum feature's scenario [6] shows the leak's origin.)
  @ddi:MmProbeAndLockPages
  Scenario: A process that exits with pages still locked bug-checks 0x76 (Windows; ReactOS ignores it)
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x4000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    And "app" exits
    Then the machine bug-checked with PROCESS_HAS_LOCKED_PAGES (0, app, 4, 0)

  # Wine's MmProbeAndLockPages is a stub that sets no flag and takes no reference;
  # Windows locks. Locking never maps (forum scenario [1]).
  @ddi:MmProbeAndLockPages
  Scenario: MmProbeAndLockPages takes a reference on every page (Windows; Wine's stub takes none)
    Given "app" touches every page of buf for 0x1000
    And pfn(pte(buf)->PageFrameNumber)->ReferenceCount is noted as refs0
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    Then pfn(pte(buf)->PageFrameNumber)->ReferenceCount is refs0 + 1
    And mdl->MdlFlags has MDL_PAGES_LOCKED
