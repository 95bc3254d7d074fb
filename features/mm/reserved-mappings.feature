@mm
Feature: Reserved mappings: system PTEs reserved once, MDLs mapped into them without failing

  MmAllocateMappingAddress reserves system PTEs and maps nothing; MmMapLockedPagesWithReservedMapping
  maps an MDL's pages there (NULL when the MDL spans more pages than were reserved) and
  MmUnmapReservedMapping takes them out again; MmFreeMappingAddress gives the range back, and only
  once nothing is mapped in it. On x64 Windows 8 and later the range is preceded by two hidden PTEs:
  PTE[-1] = ((PoolTag & ~1) + 1) << 28 and PTE[-2] = (TotalPtes + 2) << 28, both invalid, as the ReactOS
  kmtest reads them on Windows; the reserved PTEs themselves are zero, so touching the range before a
  mapping, or after the unmap, is PAGE_FAULT_IN_NONPAGED_AREA, which no __try catches.
  Misuse is SYSTEM_PTE_MISUSE (0xDA) with the subcode and parameters of its bug-check page.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmallocatemappingaddress,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmmaplockedpageswithreservedmapping,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmunmapreservedmapping,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmfreemappingaddress,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xda--system-pte-misuse,
  https://github.com/reactos/reactos/blob/master/modules/rostests/kmtests/ntos_mm/MmReservedMapping.c (the
  header encodings, the 16-byte alignment of MappingAddress, NULL for an MDL too large, tag 0 refused),
  https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/mdlsup.c (the order of the checks,
  MDL_MAPPED_TO_SYSTEM_VA and MappedSystemVa set by the mapping, the TB flushed on every processor by the unmap).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And "app" writes "user data" at buf+0x20
    And SystemPtesInUse is noted as ptes0

  @ddi:MmAllocateMappingAddress
  Scenario: MmAllocateMappingAddress reserves the PTEs behind a tag and a size header and maps nothing
    When the driver calls va = MmAllocateMappingAddress(10 * PAGE_SIZE, 'MRmK')
    Then va is not NULL
    And SystemPtesInUse is ptes0 + 12
    And these hold:
      | expression                | value                          |
      | pte(va - 0x1000)->u       | (('MRmK' & ~1) + 1) << 28      |
      | pte(va - 0x2000)->u       | (10 + 2) << 28                 |
      | pte(va - 0x1000)->Valid   | 0                              |
      | pte(va - 0x2000)->Valid   | 0                              |
      | pte(va)->u                | 0                              |
      | pte(va + 0x9000)->u       | 0                              |
    And the machine is running

  @ddi:MmAllocateMappingAddress
  Scenario: A pool tag of 0 is refused with NULL and reserves nothing
    When the driver calls va = MmAllocateMappingAddress(PAGE_SIZE, 0)
    Then va is NULL
    And SystemPtesInUse is ptes0

  @ddi:MmAllocateMappingAddress
  Scenario: Touching a reserved page before anything is mapped there bug-checks PAGE_FAULT_IN_NONPAGED_AREA, even inside __try
    When the driver calls:
      | va = MmAllocateMappingAddress(PAGE_SIZE, 'MRmK') |
    And the driver calls inside __try:
      | x = *(PUCHAR)va |
    Then the machine bug-checked with PAGE_FAULT_IN_NONPAGED_AREA (va, 0, *, 0)

  @ddi:MmMapLockedPagesWithReservedMapping
  Scenario: The driver reads the user's buffer through its reserved mapping, and no other system PTE is taken
    When the driver calls:
      | va = MmAllocateMappingAddress(3 * PAGE_SIZE, 'MRmK')            |
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)      |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)                |
      | p = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached) |
    Then p is va + 0x20
    And the driver reads "user data" at p
    And mdl->MappedSystemVa is va
    And mdl->MdlFlags has MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED
    And mdl->MdlFlags lacks MDL_MAPPING_CAN_FAIL
    And SystemPtesInUse is ptes0 + 5
    And these hold:
      | expression                     | value                    |
      | pte(va)->PageFrameNumber       | MmGetMdlPfnArray(mdl)[0] |
      | pte(va + 0x1000)->PageFrameNumber | MmGetMdlPfnArray(mdl)[1] |
      | pte(va + 0x2000)->PageFrameNumber | MmGetMdlPfnArray(mdl)[2] |
      | pte(va)->Valid                 | 1                        |
      | pte(va)->Global                | 1                        |
      | pte(va)->Owner                 | 0                        |
      | pte(va)->Write                 | 1                        |
      | pte(va - 0x1000)->u            | (('MRmK' & ~1) + 1) << 28 |

  @ddi:MmMapLockedPagesWithReservedMapping
  Scenario: An MDL spanning more pages than were reserved gets NULL and nothing is mapped
    When the driver calls:
      | va = MmAllocateMappingAddress(2 * PAGE_SIZE, 'MRmK')              |
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                   |
      | p = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached) |
    Then p is NULL
    And pte(va)->u is 0
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And the machine is running

  @ddi:MmUnmapReservedMapping
  Scenario: After MmUnmapReservedMapping the PTEs are zero again, the range still reserved, and a touch bug-checks 0x50
    When the driver calls:
      | va = MmAllocateMappingAddress(3 * PAGE_SIZE, 'MRmK')              |
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                   |
      | p = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached) |
      | MmUnmapReservedMapping(va, 'MRmK', mdl)                            |
    Then these hold:
      | expression          | value                     |
      | pte(va)->u          | 0                         |
      | pte(va + 0x2000)->u | 0                         |
      | pte(va - 0x1000)->u | (('MRmK' & ~1) + 1) << 28 |
      | SystemPtesInUse     | ptes0 + 5                 |
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And mdl->MdlFlags has MDL_PAGES_LOCKED
    When the driver reads 1 byte at p
    Then the machine bug-checked with PAGE_FAULT_IN_NONPAGED_AREA (p, 0, *, 0)

  @ddi:MmUnmapReservedMapping @ddi:MmMapLockedPagesWithReservedMapping
  Scenario: The unmap shoots the translation down on every processor: a DPC on the other processor that read through the mapping faults afterwards
    Given a driver "Map.sys" with a device "\Device\Map"
    When the driver calls:
      | va = MmAllocateMappingAddress(PAGE_SIZE, 'MRmK')                              |
      | mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, PAGE_SIZE, MmCached, 0) |
      | p = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached)            |
      | *(PULONG)p = 0x01234567                                                       |
    And "Map.sys" runs a DPC on processor 1:
      | seen = *(PULONG)p |
    Then seen is 0x01234567
    When the driver calls MmUnmapReservedMapping(va, 'MRmK', mdl)
    And "Map.sys" runs a DPC on processor 1:
      | again = *(PULONG)p |
    Then the machine bug-checked with DRIVER_IRQL_NOT_LESS_OR_EQUAL (p, DISPATCH_LEVEL, 0, *)

  @ddi:MmUnmapReservedMapping @ddi:MmFreeMappingAddress
  Scenario: The range can be mapped again after the unmap, and freed when empty; every PTE goes back
    When the driver calls:
      | va = MmAllocateMappingAddress(3 * PAGE_SIZE, 'MRmK')                |
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)          |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                     |
      | p = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached)   |
      | MmUnmapReservedMapping(va, 'MRmK', mdl)                              |
      | p2 = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached)  |
    Then p2 is p
    And the driver reads "user data" at p2
    When the driver calls:
      | MmUnmapReservedMapping(va, 'MRmK', mdl) |
      | MmFreeMappingAddress(va, 'MRmK')         |
      | MmUnlockPages(mdl)                       |
      | IoFreeMdl(mdl)                           |
    Then SystemPtesInUse is ptes0
    And pte(va - 0x1000)->u is 0
    And pte(va - 0x2000)->u is 0
    And the machine is running

  @ddi:MmFreeMappingAddress
  Scenario: Freeing the range while an MDL is still mapped in it bug-checks SYSTEM_PTE_MISUSE (0x103, address, tag, PTEs in the range)
    When the driver calls:
      | va = MmAllocateMappingAddress(3 * PAGE_SIZE, 'MRmK')              |
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                   |
      | p = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached) |
      | MmFreeMappingAddress(va, 'MRmK')                                   |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (0x103, va, 'MRmK', 3)

  @ddi:MmFreeMappingAddress
  Scenario: Freeing with another tag bug-checks SYSTEM_PTE_MISUSE (0x101, address, tag, owner's tag)
    When the driver calls:
      | va = MmAllocateMappingAddress(PAGE_SIZE, 'MRmK') |
      | MmFreeMappingAddress(va, 'XXXX')                 |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (0x101, va, 'XXXX', 'MRmK' & ~1)

  @ddi:MmMapLockedPagesWithReservedMapping
  Scenario: Mapping with another tag bug-checks SYSTEM_PTE_MISUSE (0x104, address, tag, owner's tag)
    When the driver calls:
      | va = MmAllocateMappingAddress(3 * PAGE_SIZE, 'MRmK')              |
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                   |
      | p = MmMapLockedPagesWithReservedMapping(va, 'XXXX', mdl, MmCached) |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (0x104, va, 'XXXX', 'MRmK' & ~1)

  @ddi:MmMapLockedPagesWithReservedMapping
  Scenario: Mapping into a range that is still mapped bug-checks SYSTEM_PTE_MISUSE (0x107, address, the PTE not empty, last address)
    When the driver calls:
      | va = MmAllocateMappingAddress(3 * PAGE_SIZE, 'MRmK')                              |
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)                        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                                   |
      | p = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached)                 |
      | other = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, PAGE_SIZE, MmCached, 0)  |
      | q = MmMapLockedPagesWithReservedMapping(va, 'MRmK', other, MmCached)               |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (0x107, va, va, va + 0x2000)

  @ddi:MmUnmapReservedMapping
  Scenario: Unmapping with another tag bug-checks SYSTEM_PTE_MISUSE (0x108, address, tag, owner's tag)
    When the driver calls:
      | va = MmAllocateMappingAddress(3 * PAGE_SIZE, 'MRmK')              |
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                   |
      | p = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached) |
      | MmUnmapReservedMapping(va, 'XXXX', mdl)                            |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (0x108, va, 'XXXX', 'MRmK' & ~1)

  @ddi:MmUnmapReservedMapping
  Scenario: Unmapping twice bug-checks SYSTEM_PTE_MISUSE (0x10B, address, tag, pages to unmap)
    When the driver calls:
      | va = MmAllocateMappingAddress(3 * PAGE_SIZE, 'MRmK')              |
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                   |
      | p = MmMapLockedPagesWithReservedMapping(va, 'MRmK', mdl, MmCached) |
      | MmUnmapReservedMapping(va, 'MRmK', mdl)                            |
      | MmUnmapReservedMapping(va, 'MRmK', mdl)                            |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (0x10B, va, 'MRmK', 3)

  @ddi:MmAllocateMappingAddress
  Scenario: Asking for zero bytes bug-checks SYSTEM_PTE_MISUSE (0x100, mappings requested, tag, caller)
    When the driver calls va = MmAllocateMappingAddress(0, 'MRmK')
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (0x100, 0, 'MRmK', *)
