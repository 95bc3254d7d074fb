@mm
Feature: MmMapLockedPagesSpecifyCache and MmGetSystemAddressForMdlSafe map locked pages

  KernelMode mappings take system PTEs and record the address in the MDL (MappedSystemVa,
  MDL_MAPPED_TO_SYSTEM_VA); UserMode mappings make a new VAD in the current process and are not
  recorded in the MDL. When the system-PTE pool cannot satisfy a request the call returns NULL, or
  bug-checks NO_MORE_SYSTEM_PTES (0x3F) when BugCheckOnFailure is TRUE.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmmaplockedpagesspecifycache,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/mm-bad-pointer (MmGetSystemAddressForMdlSafe),
  ReactOS ntoskrnl/mm/ARM3/mdlsup.c, bug check 0x3F reference (mdl-and-io-semantics.md B.9, B.10).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And "app" writes "user data" at buf+0x20
    And SystemPtesInUse is noted as ptes0
    And the driver calls:
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)           |

  @ddi:MmMapLockedPagesSpecifyCache
  Scenario Outline: A KernelMode mapping with <cache> sets the PTE's cache bits to <PCD>/<PWT>
    When the driver calls va = MmMapLockedPagesSpecifyCache(mdl, KernelMode, <cache>, NULL, FALSE, NormalPagePriority)
    Then va is mdl->MappedSystemVa
    And va - (va & ~0xFFF) is 0x20
    And mdl->MdlFlags has MDL_MAPPED_TO_SYSTEM_VA
    And SystemPtesInUse is ptes0 + 3
    And these hold:
      | expression                | value                       |
      | pte(va)->Valid            | 1                           |
      | pte(va)->Owner            | 0                           |
      | pte(va)->Global           | 1                           |
      | pte(va)->Write            | 1                           |
      | pte(va)->CacheDisable     | <PCD>                       |
      | pte(va)->WriteThrough     | <PWT>                       |
      | pte(va)->PageFrameNumber  | MmGetMdlPfnArray(mdl)[0]    |
    And the driver reads "user data" at va

    Examples:
      | cache           | PCD | PWT |
      | MmCached        | 0   | 0   |
      | MmNonCached     | 1   | 1   |
      | MmWriteCombined | 0   | 1   |

  @ddi:MmMapLockedPagesSpecifyCache
  Scenario: MdlMappingNoWrite makes a read-only system mapping; writing through it bug-checks
    When the driver calls va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoWrite)
    Then pte(va)->Write is 0
    And the driver reads "user data" at va
    When the driver writes "x" at va
    Then the machine bug-checked with ATTEMPTED_WRITE_TO_READONLY_MEMORY (va, *, *, *)

  @ddi:MmMapLockedPagesSpecifyCache
  Scenario: A UserMode mapping appears in the current process and is not recorded in the MDL
    When the driver calls uva = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority)
    Then uva is less than MmUserProbeAddress
    And uva is not buf + 0x20
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And SystemPtesInUse is ptes0
    And pte(uva)->Owner is 1
    And pte(uva)->PageFrameNumber is pte(buf)->PageFrameNumber
    And "app" reads "user data" at uva
    When "app" writes "seen twice" at uva+0x100
    Then "app" reads "seen twice" at buf+0x120
    When the driver calls MmUnmapLockedPages(uva, mdl)
    Then pte(uva)->Valid is 0
    When "app" reads uva
    Then "app" caught STATUS_ACCESS_VIOLATION

  @ddi:MmGetSystemAddressForMdlSafe
  Scenario: Repeated calls return the mapping already made
    When the driver calls:
      | first = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)   |
      | second = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)  |
      | third = MmGetSystemAddressForMdlSafe(mdl, HighPagePriority)     |
    Then second is first
    And third is first
    And SystemPtesInUse is ptes0 + 3

