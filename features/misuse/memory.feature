@misuse @mm
Feature: Memory-manager misuse and edge cases: user mappings at exit, physical ranges, exhaustion, freeing locked memory

  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmmaplockedpagesspecifycache
  (a UserMode mapping is the caller's to unmap before the process goes; it takes no reference on
  the pages), https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmallocatepagesformdlex
  (LowAddress, HighAddress, SkipBytes; fewer pages than asked, or NULL),
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmprobeandlockpages (locked
  pages stay resident until MmUnlockPages), https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmprobeandlockprocesspages,
  ReactOS ntoskrnl/mm/ARM3/mdlsup.c and procsup.c (MmCleanProcessAddressSpace deletes an MDL-mapping
  VAD without dereferencing its pages) (https://github.com/reactos/reactos/tree/master/ntoskrnl/mm/ARM3).

  Scenario: a nonpaged-pool page mapped into a process stays pool's when the process exits without unmapping
    Given a machine
    And a user process "app"
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x1000, 0x74736554)                                 |
      | mdl = IoAllocateMdl(p, 0x1000, FALSE, FALSE, NULL)                                          |
      | MmBuildMdlForNonPagedPool(mdl)                                                              |
      | uva = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority) |
    And pfn(MmGetMdlPfnArray(mdl)[0])->ShareCount is noted as share0
    And pfn(MmGetMdlPfnArray(mdl)[0])->ReferenceCount is noted as ref0
    And "app" exits
    Then these hold:
      | expression                                      | value        |
      | pfn(MmGetMdlPfnArray(mdl)[0])->ShareCount       | share0       |
      | pfn(MmGetMdlPfnArray(mdl)[0])->ReferenceCount   | ref0         |
      | pfn(MmGetMdlPfnArray(mdl)[0])->PageLocation     | ActiveAndValid |
      | pte(p)->PageFrameNumber                         | MmGetMdlPfnArray(mdl)[0] |
    And the driver writes "still pool" at p
    And the machine is running

  Scenario: pages from MmAllocatePagesForMdlEx mapped to a process that exits are freed cleanly by MmFreePagesFromMdl
    Given a machine
    And a user process "app"
    And AvailablePages is noted as avail0
    When the driver calls:
      | mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 0x2000, MmCached, 0)                 |
      | uva = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority) |
    And "app" exits
    And the driver calls:
      | MmFreePagesFromMdl(mdl) |
      | ExFreePool(mdl)         |
    Then the machine is running
    And AvailablePages is avail0

  Scenario: MmAllocatePagesForMdlEx on a 64 GiB machine gives pages above 4 GiB when asked for them
    Given a machine with 64 GiB of physical memory
    When the driver calls mdl = MmAllocatePagesForMdlEx(0x100000000, 0xFFFFFFFFFFFFFFFF, 0, 0x10000, MmCached, 0)
    Then mdl->ByteCount is 0x10000
    And MmGetMdlPfnArray(mdl)[0] is greater than 0xFFFFF
    And MmGetMdlPfnArray(mdl)[15] is greater than 0xFFFFF

  Scenario: SkipBytes steps the physical range: the first MiB is the kernel's, so the pages come from the MiB at 4 GiB
    Given a machine with 64 GiB of physical memory
    When the driver calls mdl = MmAllocatePagesForMdlEx(0, 0xFFFFF, 0x100000000, 0x2000, MmCached, 0)
    Then mdl->ByteCount is 0x2000
    And MmGetMdlPfnArray(mdl)[0] is greater than 0xFFFFF
    And MmGetMdlPfnArray(mdl)[1] is less than 0x100100

  Scenario: asking a 16 MiB machine for 256 MiB gives a short MDL, not a bug check
    Given a machine with 16 MiB of physical memory
    When the driver calls mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 0x10000000, MmCached, 0)
    Then mdl is not NULL
    And mdl->ByteCount is less than 0x1000000
    And mdl->ByteCount is greater than 0
    And the machine is running

  Scenario: a 2 GiB mapping of an MmAllocatePagesForMdlEx MDL succeeds on a default machine: x64 system PTEs come from a large dynamic region
    Given a machine
    And SystemPtesInUse is noted as ptes0
    When the driver calls:
      | mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 0x80000000, MmCached, 0)                 |
      | va = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority) |
    Then mdl->ByteCount is 0x80000000
    And va is not NULL
    And SystemPtesInUse is ptes0 + 0x80000

  Scenario: locked pages outlive PAGE_NOACCESS and MEM_RELEASE; MmUnlockPages then frees them
    Given a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    And "app" writes "locked" at buf+0x10
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)            |
      | sva = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
    And "app" protects buf for 0x2000 to PAGE_NOACCESS
    And "app" frees buf
    Then pfn(MmGetMdlPfnArray(mdl)[0])->PageLocation is ActiveAndValid
    And the driver reads "locked" at sva+0x10
    When the driver calls MmUnlockPages(mdl)
    Then pfn(MmGetMdlPfnArray(mdl)[0])->ReferenceCount is 0
    And pfn(MmGetMdlPfnArray(mdl)[0])->PageLocation is not ActiveAndValid
    And the machine is running

  Scenario: MmProbeAndLockProcessPages on a process that has exited: its address space is gone, an access violation
    Given a machine
    And a user process "app"
    And a user process "other"
    And "other" allocates 0x1000 of PAGE_READWRITE memory as obuf
    And "other" exits
    When the driver calls inside __try:
      | mdl = IoAllocateMdl(obuf, 0x1000, FALSE, FALSE, NULL)          |
      | MmProbeAndLockProcessPages(mdl, other, UserMode, IoReadAccess) |
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And mdl->MdlFlags lacks MDL_PAGES_LOCKED

  Scenario: a bug check inside another process's address space stops the machine there
    # Found by random testing: MmProbeAndLockProcessPages attaches to the process and reads a wild
    # MDL pointer; the machine halts attached, and nothing is called after the bug check.
    Given a machine
    And a user process "app"
    And a user process "other"
    When the driver calls MmProbeAndLockProcessPages(0xFFFFFFFFFFFFF000, other, UserMode, IoReadAccess)
    Then the machine bug-checked with PAGE_FAULT_IN_NONPAGED_AREA (0xFFFFFFFFFFFFF020, 0, *, *)

  Scenario: WriteFile(h, NULL, 0xFFFFFFFF) on a buffered device: no system buffer that large, STATUS_INSUFFICIENT_RESOURCES, nothing kept
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And a driver "Buf.sys" with a device "\Device\Buf" using DO_BUFFERED_IO
    And "app" opens "\Device\Buf" as h
    # A first write grows pool for IRPs and buffers; what the failed one takes is measured after it.
    And "app" calls WriteFile(h, in, 8) as first
    And AvailablePages is noted as avail0
    And PoolBytesInUse is noted as pool0
    When "app" calls WriteFile(h, NULL, 0xFFFFFFFF) as r
    Then r->ReturnValue is STATUS_INSUFFICIENT_RESOURCES
    # The IO_STATUS_BLOCK the step gives the call is a new page of "app": one page, not a million.
    And AvailablePages is avail0 - 1
    And PoolBytesInUse is pool0

  Scenario: trimming the system working set leaves dirty pages on the modified list; trimming to the paging file writes them
    Given a machine
    And PagingFileSlotsInUse is noted as slots0
    When the driver calls p = ExAllocatePoolWithTag(PagedPool, 0x1000, 0x74736554)
    And the driver writes "dirty" at p
    And the system working set is trimmed
    Then pte(p)->Valid is 0
    And pfn(pte(p)->PageFrameNumber)->PageLocation is ModifiedPageList
    And PagingFileSlotsInUse is slots0
    When the system working set is trimmed to the paging file
    Then PagingFileSlotsInUse is slots0 + 1
    And the driver reads "dirty" at p

  Scenario: a process exit takes no pool: the processor goes back to its idle thread, which exists from boot
    # Found by random testing: the simulator made an idle thread (an ETHREAD in pool) at the first exit.
    Given a machine
    And a user process "app"
    And PoolBytesInUse is noted as pool0
    When "app" exits
    Then PoolBytesInUse is pool0
    And CurrentProcess->UniqueProcessId is 4

  Scenario: locking more pages than the machine has raises STATUS_WORKING_SET_QUOTA at once, before any page is touched
    # Windows charges resident-available memory for the pages before probing them (ReactOS never
    # raises this status). PageFaults shows that nothing was probed.
    Given a machine with 16 MiB of physical memory
    And a user process "app"
    And "app" allocates 0x10000000 of PAGE_READWRITE memory as buf
    And PageFaults is noted as faults0
    When the driver calls mdl = IoAllocateMdl(buf, 0x10000000, FALSE, FALSE, NULL)
    And the driver calls MmProbeAndLockPages(mdl, UserMode, IoWriteAccess) inside __try
    Then the driver's __except caught STATUS_WORKING_SET_QUOTA
    And PageFaults is faults0
    And mdl->MdlFlags lacks MDL_PAGES_LOCKED
    And app->NumberOfLockedPages is 0

  Scenario: MmFreePagesFromMdl with a user mapping left: the process still maps the freed page, and nothing notices
    # Found by random testing. MmFreePagesFromMdl releases a system mapping (Windows 7 and later)
    # but knows nothing of a UserMode one, which takes no reference: the page goes to the free
    # list while "app" can still read and write it -- until someone else gets that page.
    Given a machine
    And a user process "app"
    When the driver calls:
      | mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 0x1000, MmCached, 0)                 |
      | uva = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority) |
      | MmFreePagesFromMdl(mdl)                                                                      |
    Then pte(uva)->Valid is 1
    And pfn(pte(uva)->PageFrameNumber)->PageLocation is FreePageList
    And pfn(pte(uva)->PageFrameNumber)->ReferenceCount is 0
    And the machine is running

  Scenario: ExFreePool of a pool page a process still maps: the page is freed under the user mapping
    # Found by random testing. The UserMode mapping of an MmBuildMdlForNonPagedPool MDL takes no
    # reference; freeing the pool releases the page, and "app" keeps a valid PTE to it.
    Given a machine
    And a user process "app"
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x1000, 0x74736554)                                 |
      | mdl = IoAllocateMdl(p, 0x1000, FALSE, FALSE, NULL)                                          |
      | MmBuildMdlForNonPagedPool(mdl)                                                              |
      | uva = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority) |
      | ExFreePool(p)                                                                               |
    Then pte(p)->Valid is 0
    And pte(uva)->Valid is 1
    And pte(uva)->PageFrameNumber is MmGetMdlPfnArray(mdl)[0]
    And pfn(MmGetMdlPfnArray(mdl)[0])->PageLocation is FreePageList
    And the machine is running

  Scenario: write, page out, write, protect, page out: the page keeps one paging-file slot
    # Found by random testing: the second page-out took a new slot and leaked the first. A write
    # after a hard fault makes the paging-file copy stale; the next page-out writes it again.
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    And PagingFileSlotsInUse is noted as slots0
    When "app" writes "one" at buf
    And the working set of "app" is trimmed to the paging file
    Then PagingFileSlotsInUse is slots0 + 1
    When "app" writes "two" at buf
    And "app" protects buf for 0x1000 to PAGE_READONLY
    And the working set of "app" is trimmed to the paging file
    Then PagingFileSlotsInUse is slots0 + 1
    And pte(buf)->PageFileLow is 1
    And "app" reads "two" at buf

  Scenario: MmBuildMdlForNonPagedPool of a user buffer: the MDL names pages it holds nothing on
    # Found by random testing. Microsoft: the MDL must describe nonpaged or locked memory, and
    # misuse is undefined. The free build fills the PFN array from the user PTEs without a
    # reference; once "app" frees the buffer, the MDL names free pages.
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    And "app" writes "user" at buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmBuildMdlForNonPagedPool(mdl)                       |
    Then mdl->MdlFlags has MDL_SOURCE_IS_NONPAGED_POOL
    And MmGetMdlPfnArray(mdl)[0] is pte(buf)->PageFrameNumber
    And pfn(MmGetMdlPfnArray(mdl)[0])->LockCount is 0
    When "app" frees buf
    Then pfn(MmGetMdlPfnArray(mdl)[0])->ReferenceCount is 0
    And pfn(MmGetMdlPfnArray(mdl)[0])->PageLocation is not ActiveAndValid
    And the machine is running

  Scenario: mapping an MDL twice and unlocking it: the first mapping outlives the pages
    # Found by random testing. MappedSystemVa records only the second mapping; MmUnlockPages
    # releases that one and unlocks, so the first still maps pages that may now be free.
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    And SystemPtesInUse is noted as ptes0
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)                                               |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)                                                  |
      | va1 = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority)    |
      | va2 = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority)    |
      | MmUnlockPages(mdl)                                                                                 |
    Then mdl->MappedSystemVa is va2
    And SystemPtesInUse is ptes0 + 1
    And pte(va1)->Valid is 1
    And pte(va2)->Valid is 0
    And the machine is running
