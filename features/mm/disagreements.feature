@mm @disagreement
Feature: Where the sources disagree, the machine does what Windows does

  mdl-and-io-semantics.md B.19 collects the points where Microsoft's documentation, ReactOS and
  Wine differ. Each scenario names the disagreement and shows the Windows behaviour on the machine.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x4000 of PAGE_READWRITE memory as buf
    And SystemPtesInUse is noted as ptes0

  # B.19 #2. Microsoft (IoBuildPartialMdl page): IoFreeMdl releases a partial MDL's own mapping.
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

  # B.19 #3. Microsoft: "Starting with Windows 7, MmFreePagesFromMdl also unmaps the pages if they
  # are mapped"; ReactOS's MmFreePagesFromMdl frees the pages and leaves the mapping.
  @ddi:MmFreePagesFromMdl
  Scenario: MmFreePagesFromMdl releases a system mapping first (Windows 7 and later; not ReactOS)
    When the driver calls:
      | mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFF, 0, 0x2000, MmCached, 0) |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)               |
      | MmFreePagesFromMdl(mdl)                                                  |
    Then SystemPtesInUse is ptes0
    And pte(va)->Valid is 0

  # B.19 #4. Microsoft (IoAllocateMdl): Windows 7 and later accept lengths up to 4 GB - PAGE_SIZE;
  # ReactOS and its kmtests keep the NT 5.2 limit (an MDL's Size is a 16-bit field, about 32 MB).
  @ddi:IoAllocateMdl
  Scenario Outline: IoAllocateMdl of <length> bytes <outcome>
    When the driver calls mdl = IoAllocateMdl(0x10000000, <length>, FALSE, FALSE, NULL)
    Then mdl is <result>

    Examples:
      | length     | outcome                                  | result   |
      | 0x4000000  | succeeds (64 MiB: over the NT 5.2 limit)  | not NULL |
      | 0xFFFFF000 | succeeds (4 GB - PAGE_SIZE)               | not NULL |
      | 0xFFFFF001 | returns NULL                              | NULL     |
      | 0          | returns NULL                              | NULL     |

  # B.19 #14. Windows bug-checks PROCESS_HAS_LOCKED_PAGES (0x76) when a process exits with pages
  # still locked; ReactOS does nothing. (The forum feature's scenario [6] shows the leak's origin.)
  @ddi:MmProbeAndLockPages
  Scenario: A process that exits with pages still locked bug-checks 0x76 (Windows; ReactOS ignores it)
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x4000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    And "app" exits
    Then the machine bug-checked with PROCESS_HAS_LOCKED_PAGES (0, app, 4, 0)

  # B.19 #7. Wine's MmProbeAndLockPages is a stub that sets no flag and takes no reference;
  # Windows locks. B.19 #1: locking never maps (forum scenario [1]).
  @ddi:MmProbeAndLockPages
  Scenario: MmProbeAndLockPages takes a reference on every page (Windows; Wine's stub takes none)
    Given "app" touches every page of buf for 0x1000
    And pfn(pte(buf)->PageFrameNumber)->ReferenceCount is noted as refs0
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    Then pfn(pte(buf)->PageFrameNumber)->ReferenceCount is refs0 + 1
    And mdl->MdlFlags has MDL_PAGES_LOCKED
