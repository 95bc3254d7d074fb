@mm
Feature: MDLs that are not probed: nonpaged pool, partial MDLs and pages allocated for an MDL

  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmbuildmdlfornonpagedpool,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iobuildpartialmdl,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmallocatepagesformdlex,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmfreepagesfrommdl,
  ReactOS ntoskrnl/mm/ARM3/mdlsup.c and ntoskrnl/io/iomgr/iomdl.c.

  Background:
    Given a machine
    And SystemPtesInUse is noted as ptes0
    And MmSystemLockPagesCount is noted as locks0

  @ddi:MmBuildMdlForNonPagedPool
  Scenario: MmBuildMdlForNonPagedPool fills the PFNs from the pool's PTEs; it locks nothing and maps nothing
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x2000, 0x74736554) |
      | mdl = IoAllocateMdl(p, 0x2000, FALSE, FALSE, NULL)          |
      | MmBuildMdlForNonPagedPool(mdl)                              |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)  |
    Then mdl->MdlFlags has MDL_SOURCE_IS_NONPAGED_POOL
    And mdl->MdlFlags lacks MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA
    And mdl->MappedSystemVa is p
    And va is p
    And mdl->Process is NULL
    And MmGetMdlPfnArray(mdl)[1] is pte(p + 0x1000)->PageFrameNumber
    And pfn(MmGetMdlPfnArray(mdl)[0])->LockCount is 0
    And SystemPtesInUse is ptes0
    And MmSystemLockPagesCount is locks0

  @ddi:MmBuildMdlForNonPagedPool
  Scenario: MmBuildMdlForNonPagedPool on a paged-pool page that was trimmed bug-checks MEMORY_MANAGEMENT 0x1240
    When the driver calls:
      | p = ExAllocatePoolWithTag(PagedPool, 0x1000, 0x74736554) |
      | mdl = IoAllocateMdl(p, 0x1000, FALSE, FALSE, NULL)       |
      | RtlFillMemory(p, 0x1000, 0x41)                           |
    And the system working set is trimmed to the paging file
    Then pte(p)->Valid is 0
    When the driver calls MmBuildMdlForNonPagedPool(mdl)
    Then the machine bug-checked with MEMORY_MANAGEMENT (0x1240, mdl, *, 0)

  @ddi:IoBuildPartialMdl
  Scenario: A partial MDL describes part of a locked MDL's pages and maps only those
    Given a user process "app"
    And "app" allocates 0x4000 of PAGE_READWRITE memory as buf
    And "app" writes "third page" at buf+0x2010
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x4000, FALSE, FALSE, NULL)               |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                   |
      | part = IoAllocateMdl(buf + 0x2000, 0x1000, FALSE, FALSE, NULL)     |
      | IoBuildPartialMdl(mdl, part, buf + 0x2010, 0x100)                  |
      | pva = MmGetSystemAddressForMdlSafe(part, NormalPagePriority)       |
    Then part->MdlFlags has MDL_PARTIAL | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_MAPPED_TO_SYSTEM_VA
    And MmGetMdlPfnArray(part)[0] is MmGetMdlPfnArray(mdl)[2]
    And MmGetMdlByteOffset(part) is 0x10
    And SystemPtesInUse is ptes0 + 1
    And the driver reads "third page" at pva
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA

  @ddi:IoBuildPartialMdl @ddi:IoFreeMdl
  Scenario: IoFreeMdl of a mapped partial MDL releases the partial MDL's own mapping
    Given a user process "app"
    And "app" allocates 0x4000 of PAGE_READWRITE memory as buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x4000, FALSE, FALSE, NULL)           |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)               |
      | part = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)          |
      | IoBuildPartialMdl(mdl, part, buf + 0x1000, 0x2000)             |
      | pva = MmGetSystemAddressForMdlSafe(part, NormalPagePriority)   |
    Then SystemPtesInUse is ptes0 + 2
    When the driver calls IoFreeMdl(part)
    Then SystemPtesInUse is ptes0
    And pte(pva)->Valid is 0
    And mdl->MdlFlags has MDL_PAGES_LOCKED

  @ddi:IoBuildPartialMdl
  Scenario: A target MDL too small for the partial range bug-checks TARGET_MDL_TOO_SMALL (0x40)
    Given a user process "app"
    And "app" allocates 0x40000 of PAGE_READWRITE memory as buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x40000, FALSE, FALSE, NULL)  |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)       |
      | part = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)  |
      | IoBuildPartialMdl(mdl, part, buf, 0x20000)             |
    Then the machine bug-checked with TARGET_MDL_TOO_SMALL

  @ddi:MmAllocatePagesForMdlEx @ddi:MmFreePagesFromMdl
  Scenario: MmAllocatePagesForMdlEx hands out zeroed, referenced pages; MmFreePagesFromMdl returns them
    When the driver calls:
      | mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFF, 0, 0x3000, MmCached, 0) |
      | page = MmGetMdlPfnArray(mdl)[2]                                          |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)               |
      | avail = AvailablePages                                                   |
    Then MmGetMdlByteCount(mdl) is 0x3000
    And mdl->MdlFlags has MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA
    And pfn(page)->ReferenceCount is 1
    And pfn(page)->ShareCount is 1
    And pfn(page)->PageLocation is ActiveAndValid
    And db(va + 0x2000) is 0
    And db(va + 0x2FFF) is 0
    When the driver calls MmFreePagesFromMdl(mdl)
    Then AvailablePages is avail + 3
    And pfn(page)->ReferenceCount is 0
    And SystemPtesInUse is ptes0
    And pte(va)->Valid is 0
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA

  @ddi:MmFreePagesFromMdl
  Scenario: MmFreePagesFromMdl on an MDL of probed user pages bug-checks MEMORY_MANAGEMENT 0x1236
    Given a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | MmFreePagesFromMdl(mdl)                              |
    Then the machine bug-checked with MEMORY_MANAGEMENT (0x1236, mdl, *, MmGetMdlPfnArray(mdl)[0])

  @ddi:MmPrepareMdlForReuse
  Scenario: MmPrepareMdlForReuse releases a partial MDL's mapping so the MDL can describe another range
    Given a user process "app"
    And "app" allocates 0x4000 of PAGE_READWRITE memory as buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x4000, FALSE, FALSE, NULL)          |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)              |
      | part = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)         |
      | IoBuildPartialMdl(mdl, part, buf, 0x1000)                     |
      | first = MmGetSystemAddressForMdlSafe(part, NormalPagePriority) |
      | MmPrepareMdlForReuse(part)                                    |
    Then SystemPtesInUse is ptes0
    And part->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED
    When the driver calls:
      | IoBuildPartialMdl(mdl, part, buf + 0x3000, 0x1000)             |
      | second = MmGetSystemAddressForMdlSafe(part, NormalPagePriority) |
    Then pte(second)->PageFrameNumber is MmGetMdlPfnArray(mdl)[3]
    And SystemPtesInUse is ptes0 + 1

  Scenario: the PFN array follows the 0x30-byte header, and a pool tag written as C writes it reads back the same
    # Expressions are a small C: sizeof of the x64 structures, * / % << >>, comparisons, && ||,
    # and character constants as MSVC reads them ('tseT' is the tag pool dumps show as "Test").
    Given a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)  |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)      |
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x20, 'tseT') |
    # C pointer arithmetic: mdl + 1 is the byte after the header, where wdm.h's MmGetMdlPfnArray points.
    Then db(mdl + 1) is MmGetMdlPfnArray(mdl)[0] & 0xFF
    And ((PPFN_NUMBER)(mdl + 1))[1] is MmGetMdlPfnArray(mdl)[1]
    And (ULONG_PTR)(mdl + 1) - (ULONG_PTR)mdl is sizeof(MDL)
    And pool(p)->Tag is 'tseT'
    And db(p - 0x10 + 4) is 'T'
    And mdl->ByteCount / 0x1000 == 2 && mdl->ByteCount >> 12 <= 2 is 1
    And mdl->StartVa is PAGE_ALIGN(buf)
    And MmGetMdlByteOffset(mdl) is BYTE_OFFSET(buf)
    And app->NumberOfLockedPages is ADDRESS_AND_SIZE_TO_SPAN_PAGES(buf, mdl->ByteCount)
