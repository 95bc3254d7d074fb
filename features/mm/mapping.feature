@mm
Feature: MmMapLockedPagesSpecifyCache and MmGetSystemAddressForMdlSafe map locked pages

  KernelMode mappings take system PTEs and record the address in the MDL (MappedSystemVa,
  MDL_MAPPED_TO_SYSTEM_VA); UserMode mappings make a new VAD in the current process and are not
  recorded in the MDL. When the system-PTE pool cannot satisfy a request the call returns NULL, or
  bug-checks NO_MORE_SYSTEM_PTES (0x3F) when BugCheckOnFailure is TRUE.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmmaplockedpagesspecifycache,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/mm-bad-pointer (MmGetSystemAddressForMdlSafe),
  ReactOS ntoskrnl/mm/ARM3/mdlsup.c, bug check 0x3F reference.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And "app" writes "user data" at buf+0x20
    And SystemPtesInUse is noted as ptes0
    And the driver calls:
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)           |

  # "The routine uses the CacheType parameter only if the pages that are described by the MDL do not
  # already have a cache type associated with them. However, in nearly all cases, the pages already
  # have an associated cache type, and this cache type is used by the new mapping." (Remarks of
  # https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmmaplockedpagesspecifycache)
  # A process's pages are ordinary cached RAM: whatever CacheType asks, the mapping is cached.
  @ddi:MmMapLockedPagesSpecifyCache
  Scenario Outline: A KernelMode mapping of a process's pages with <cache> is cached all the same
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
      | pte(va)->CacheDisable     | 0                           |
      | pte(va)->WriteThrough     | 0                           |
      | pfn(MmGetMdlPfnArray(mdl)[0])->CacheAttribute | 1       |
      | pte(va)->PageFrameNumber  | MmGetMdlPfnArray(mdl)[0]    |
    And the driver reads "user data" at va

    Examples:
      | cache           |
      | MmCached        |
      | MmNonCached     |
      | MmWriteCombined |

  # The same remarks: "An exception to this rule is for pages that are allocated by
  # MmAllocatePagesForMdl, which do not have a specific cache type associated with them. For such
  # pages, the CacheType parameter determines the cache type of the mapping."
  @ddi:MmMapLockedPagesSpecifyCache @ddi:MmAllocatePagesForMdlEx
  Scenario Outline: A KernelMode mapping of MmAllocatePagesForMdlEx pages with <cache> sets the PTE's cache bits to <PCD>/<PWT>
    When the driver calls:
      | pages = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFF, 0, 0x2000, <cache>, 0)               |
      | pva = MmMapLockedPagesSpecifyCache(pages, KernelMode, <cache>, NULL, FALSE, NormalPagePriority) |
    Then pte(pva)->CacheDisable is <PCD>
    And pte(pva)->WriteThrough is <PWT>
    And pfn(MmGetMdlPfnArray(pages)[0])->CacheAttribute is 3

    Examples:
      | cache           | PCD | PWT |
      | MmCached        | 0   | 0   |
      | MmNonCached     | 1   | 1   |
      | MmWriteCombined | 0   | 1   |

  # Bug check 0x1A, parameter 0x1000: "A caller of MmGetSystemAddressForMdl* tried to map a
  # fully-cached physical page as non-cached. This action would cause a conflicting hardware
  # translation buffer entry, and so it was refused by the operating system. Since the caller
  # specified "bug check on failure" in the requesting MDL, the system had no choice but to issue a
  # bug check." (https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x1a--memory-management)
  @ddi:MmMapLockedPagesSpecifyCache
  Scenario: Asking for a non-cached mapping of cached pages with BugCheckOnFailure bug-checks MEMORY_MANAGEMENT 0x1000
    When the driver calls va = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmNonCached, NULL, TRUE, NormalPagePriority)
    Then the machine bug-checked with MEMORY_MANAGEMENT (0x1000, *, *, *)

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

  # "A non-executable mapping is always created when AccessMode is UserMode ... the MdlMappingNoWrite
  # flag can still be used with the Priority parameter in this scenario to request a read-only
  # mapping" (MmMapLockedPagesSpecifyCache remarks).
  @ddi:MmMapLockedPagesSpecifyCache
  Scenario: A UserMode mapping is never executable, and read-only with MdlMappingNoWrite
    When the driver calls uva = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority | MdlMappingNoWrite)
    Then pte(uva)->Owner is 1
    And pte(uva)->Write is 0
    And pte(uva)->NoExecute is 1
    And "app" reads "user data" at uva
    When "app" tries to write "x" at uva
    Then "app" caught STATUS_ACCESS_VIOLATION
    And "app" reads "user data" at buf+0x20

  @ddi:MmGetSystemAddressForMdlSafe
  Scenario: Repeated calls return the mapping already made
    When the driver calls:
      | first = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)   |
      | second = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)  |
      | third = MmGetSystemAddressForMdlSafe(mdl, HighPagePriority)     |
    Then second is first
    And third is first
    And SystemPtesInUse is ptes0 + 3

