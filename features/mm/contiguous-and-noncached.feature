@mm
Feature: Contiguous and non-cached memory: consecutive frames within bounds, the cache type in the PTE bits

  MmAllocateContiguousMemorySpecifyCache finds a run of free frames between LowestAcceptableAddress
  and HighestAcceptableAddress that crosses no multiple of BoundaryAddressMultiple, and maps it in
  system space with the cache type asked for; NULL when no such run is free. MmFreeContiguousMemory
  finds the allocation by the StartOfAllocation bit of the first frame's PFN entry: any other
  address is BAD_POOL_CALLER (0x60, address, 0, 0). MmAllocateNonCachedMemory maps pages (not
  necessarily contiguous) non-cached, after one extra system PTE.
  The cache type is in the PTE's PWT and PCD bits as x64 Windows programs the PAT: MmCached uses
  entry 0 (write-back, neither bit), MmWriteCombined entry 1 (write-combining, PWT), MmNonCached
  entry 3 (uncached, PCD | PWT).
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmallocatecontiguousmemoryspecifycache,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmallocatecontiguousmemory,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmfreecontiguousmemory,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmallocatenoncachedmemory,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmfreenoncachedmemory,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc2--bad-pool-caller,
  https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/contmem.c (the frame search, the
  StartOfAllocation and EndOfAllocation bits, the 0x60 check, no search above APC_LEVEL),
  https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/ncache.c (the extra PTE).

  Background:
    Given a machine
    And SystemPtesInUse is noted as ptes0
    And AvailablePages is noted as avail0

  @ddi:MmAllocateContiguousMemorySpecifyCache
  Scenario: Four pages between 16 MiB and 32 MiB are four consecutive frames in that range, taken off the free lists
    When the driver calls va = MmAllocateContiguousMemorySpecifyCache(4 * PAGE_SIZE, 0x1000000, 0x1FFFFFF, 0, MmCached)
    Then va is not NULL
    And these hold:
      | expression                              | value                          |
      | pte(va + 0x1000)->PageFrameNumber       | pte(va)->PageFrameNumber + 1   |
      | pte(va + 0x2000)->PageFrameNumber       | pte(va)->PageFrameNumber + 2   |
      | pte(va + 0x3000)->PageFrameNumber       | pte(va)->PageFrameNumber + 3   |
      | pte(va)->PageFrameNumber >= 0x1000      | 1                              |
      | pte(va + 0x3000)->PageFrameNumber <= 0x1FFF | 1                          |
      | pfn(pte(va)->PageFrameNumber)->StartOfAllocation       | 1               |
      | pfn(pte(va)->PageFrameNumber + 3)->EndOfAllocation     | 1               |
      | pfn(pte(va)->PageFrameNumber + 1)->StartOfAllocation   | 0               |
      | pfn(pte(va)->PageFrameNumber)->ReferenceCount          | 1               |
      | pfn(pte(va)->PageFrameNumber)->PageLocation            | ActiveAndValid  |
      | pte(va)->CacheDisable                   | 0                              |
      | pte(va)->WriteThrough                   | 0                              |
      | SystemPtesInUse                         | ptes0 + 4                      |
    And the driver writes "contiguous" at va+0x3FF0
    And the driver reads "contiguous" at va+0x3FF0

  @ddi:MmAllocateContiguousMemorySpecifyCache
  Scenario Outline: Two pages from frame 0xFFFF up, with BoundaryAddressMultiple <boundary>, start at frame <first>
    # Frames 0xFFFF and 0x10000 are free, but two pages from 0xFFFF cross the 256 MiB boundary at frame 0x10000.
    When the driver calls:
      | free = pfn(0xFFFF)->PageLocation                                                                    |
      | va = MmAllocateContiguousMemorySpecifyCache(2 * PAGE_SIZE, 0xFFFF000, 0xFFFFFFFF, <boundary>, MmCached) |
    Then free is ZeroedPageList
    And pte(va)->PageFrameNumber is <first>
    And pte(va + PAGE_SIZE)->PageFrameNumber is <first> + 1

    Examples:
      | boundary   | first   |
      | 0          | 0xFFFF  |
      | 0x10000000 | 0x10000 |

  @ddi:MmAllocateContiguousMemorySpecifyCache
  Scenario: With the frames in bounds taken, a second request in the same bounds gets NULL and takes nothing
    When the driver calls a = MmAllocateContiguousMemorySpecifyCache(3 * PAGE_SIZE, 0x2000000, 0x2003FFF, 0, MmCached)
    And AvailablePages is noted as avail1
    And the driver calls b = MmAllocateContiguousMemorySpecifyCache(2 * PAGE_SIZE, 0x2000000, 0x2003FFF, 0, MmCached)
    Then a is not NULL
    And b is NULL
    And these hold:
      | expression                  | value          |
      | pte(a)->PageFrameNumber     | 0x2000         |
      | pfn(0x2002)->PageLocation   | ActiveAndValid |
      | pfn(0x2003)->PageLocation   | ZeroedPageList |
      | AvailablePages              | avail1         |
      | SystemPtesInUse             | ptes0 + 3      |

  @ddi:MmAllocateContiguousMemorySpecifyCache
  Scenario Outline: <cache> is in the PTE as <bits> and in the frame's PFN entry
    When the driver calls va = MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, 0, 0xFFFFFFFF, 0, <cache>)
    Then these hold:
      | expression                                  | value       |
      | pte(va)->CacheDisable                       | <pcd>       |
      | pte(va)->WriteThrough                       | <pwt>       |
      | pfn(pte(va)->PageFrameNumber)->CacheAttribute | <attribute> |

    Examples:
      | cache           | bits      | pcd | pwt | attribute |
      | MmNonCached     | PCD \| PWT | 1   | 1   | 0         |
      | MmWriteCombined | PWT       | 0   | 1   | 2         |
      | MmCached        | no bit    | 0   | 0   | 1         |

  @ddi:MmAllocateContiguousMemory
  Scenario: MmAllocateContiguousMemory above APC_LEVEL does not search physical memory: NULL
    When the driver calls:
      | old = KeRaiseIrql(DISPATCH_LEVEL)                   |
      | va = MmAllocateContiguousMemory(PAGE_SIZE, 0xFFFFFFFF) |
      | KeLowerIrql(old)                                    |
    Then va is NULL
    And AvailablePages is avail0
    And the machine is running

  @ddi:MmFreeContiguousMemory
  Scenario: MmFreeContiguousMemory gives the frames back to the free list and the PTEs back to the pool
    When the driver calls:
      | va = MmAllocateContiguousMemory(3 * PAGE_SIZE, 0xFFFFFFFF) |
      | first = pte(va)->PageFrameNumber                           |
      | MmFreeContiguousMemory(va)                                 |
    Then these hold:
      | expression                        | value          |
      | pfn(first)->PageLocation          | FreePageList   |
      | pfn(first + 2)->PageLocation      | FreePageList   |
      | pfn(first)->ReferenceCount        | 0              |
      | pfn(first)->StartOfAllocation     | 0              |
      | pfn(first + 2)->EndOfAllocation   | 0              |
      | pte(va)->u                        | 0              |
      | SystemPtesInUse                   | ptes0          |
    And the machine is running

  @ddi:MmFreeContiguousMemory
  Scenario: Freeing an address inside the allocation bug-checks BAD_POOL_CALLER (0x60, address, 0, 0)
    When the driver calls:
      | va = MmAllocateContiguousMemory(3 * PAGE_SIZE, 0xFFFFFFFF) |
      | MmFreeContiguousMemory(va + PAGE_SIZE)                     |
    Then the machine bug-checked with BAD_POOL_CALLER (0x60, va + PAGE_SIZE, 0, 0)

  @ddi:MmFreeContiguousMemory
  Scenario: Freeing the same contiguous memory twice bug-checks BAD_POOL_CALLER (0x60, address, 0, 0)
    When the driver calls:
      | va = MmAllocateContiguousMemory(PAGE_SIZE, 0xFFFFFFFF) |
      | MmFreeContiguousMemory(va)                             |
      | MmFreeContiguousMemory(va)                             |
    Then the machine bug-checked with BAD_POOL_CALLER (0x60, va, 0, 0)

  @ddi:MmFreeContiguousMemory
  Scenario: Freeing a pool block with MmFreeContiguousMemory bug-checks BAD_POOL_CALLER (0x60, address, 0, 0)
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, PAGE_SIZE, 'tseT') |
      | MmFreeContiguousMemory(p)                                  |
    Then the machine bug-checked with BAD_POOL_CALLER (0x60, p, 0, 0)

  @ddi:MmAllocateNonCachedMemory @ddi:MmFreeNonCachedMemory
  Scenario: Non-cached memory is mapped PCD | PWT after one empty PTE, and freed back
    When the driver calls:
      | va = MmAllocateNonCachedMemory(0x1800) |
      | *(PULONG)(va + 0x1700) = 0x12345678    |
    Then these hold:
      | expression                  | value      |
      | va & 0xFFF                  | 0          |
      | pte(va)->CacheDisable       | 1          |
      | pte(va)->WriteThrough       | 1          |
      | pte(va + 0x1000)->CacheDisable | 1       |
      | pte(va + 0x1000)->WriteThrough | 1       |
      | pte(va)->Global             | 1          |
      | pte(va - 0x1000)->u         | 0          |
      | pfn(pte(va)->PageFrameNumber)->CacheAttribute | 0 |
      | SystemPtesInUse             | ptes0 + 3  |
      | *(PULONG)(va + 0x1700)      | 0x12345678 |
    When the driver calls:
      | frame = pte(va)->PageFrameNumber |
      | MmFreeNonCachedMemory(va, 0x1800) |
    Then SystemPtesInUse is ptes0
    And pte(va)->u is 0
    And pfn(frame)->PageLocation is FreePageList
    And the machine is running
