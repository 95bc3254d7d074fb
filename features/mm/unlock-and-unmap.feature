@mm
Feature: MmUnlockPages and MmUnmapLockedPages give back exactly what was taken, once

  MmUnlockPages releases a system mapping first (MDL_MAPPED_TO_SYSTEM_VA), returns the process's
  locked-page charge and drops one PFN reference per page; a write MDL leaves its pages modified.
  MmUnmapLockedPages zeroes and frees the system PTEs of a mapping, or removes a user mapping's VAD.
  Misuse ends in the bug check the kernel's own checks raise.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmunlockpages,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmunmaplockedpages,
  ReactOS ntoskrnl/mm/ARM3/mdlsup.c, bug checks 0x76, 0x4E, 0xDA.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    And "app" touches every page of buf for 0x2000
    And SystemPtesInUse is noted as ptes0
    And MmSystemLockPagesCount is noted as locks0

  @ddi:MmUnlockPages
  Scenario: Unlocking a write MDL marks its pages modified, so a trim sends them to the modified list
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)    |
      | page = MmGetMdlPfnArray(mdl)[0]                      |
      | MmUnlockPages(mdl)                                   |
    And the working set of "app" is trimmed
    Then pfn(page)->PageLocation is ModifiedPageList
    And pfn(page)->ReferenceCount is 0
    And app->NumberOfLockedPages is 0
    And MmSystemLockPagesCount is locks0

  @ddi:MmUnlockPages
  Scenario: Unlocking a read MDL of clean pages leaves them clean: a trim sends them to standby
    Given the working set of "app" is trimmed to the paging file
    And "app" reads buf
    And "app" reads buf+0x1000
    Then pte(buf)->Dirty is 0
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | page = MmGetMdlPfnArray(mdl)[0]                      |
      | MmUnlockPages(mdl)                                   |
    And the working set of "app" is trimmed
    Then pfn(page)->PageLocation is StandbyPageList

  @ddi:MmUnlockPages
  Scenario: Unlocking an MDL that is not locked bug-checks PROCESS_HAS_LOCKED_PAGES (1, MDL, count, 0)
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | MmUnlockPages(mdl)                                   |
      | MmUnlockPages(mdl)                                   |
    Then the machine bug-checked with PROCESS_HAS_LOCKED_PAGES (1, mdl, 0, 0)

  @ddi:MmUnlockPages
  Scenario: Unlocking a never-locked MDL of system pages bug-checks PFN_LIST_CORRUPT (7, PFN, share, 0)
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x1000, 0x74736554) |
      | mdl = IoAllocateMdl(p, 0x1000, FALSE, FALSE, NULL)          |
      | MmBuildMdlForNonPagedPool(mdl)                              |
      | mdl->MdlFlags = 0                                           |
      | MmUnlockPages(mdl)                                          |
    Then the machine bug-checked with PFN_LIST_CORRUPT (7, MmGetMdlPfnArray(mdl)[0], 1, 0)

  @ddi:MmUnmapLockedPages
  Scenario: MmUnmapLockedPages frees the system PTEs and invalidates them; MappedSystemVa keeps its stale value
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnmapLockedPages(va, mdl)                                |
    Then SystemPtesInUse is ptes0
    And pte(va)->Valid is 0
    And pte(va + 0x1000)->Valid is 0
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And mdl->MdlFlags has MDL_PAGES_LOCKED
    And mdl->MappedSystemVa is va
    When the driver calls again = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)
    Then pte(again)->Valid is 1
    And SystemPtesInUse is ptes0 + 2

  # Bug check 0xDA gives types 1-5 an internal tracking structure as a parameter: they exist only
  # with PTE tracking (the TrackPtes registry value, features/mm/system-pte-tracking.feature).
  # Without it -- Windows's default -- nothing checks the address given: the PTEs there are zeroed
  # and returned, and the mapping's own stay valid and in use.
  # https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xda--system-pte-misuse
  @ddi:MmUnmapLockedPages
  Scenario: Without PTE tracking, unmapping at another address releases the PTEs there and leaks the mapping's own
    Given the machine does not track system PTEs
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnmapLockedPages(va + 0x1000, mdl)                       |
    Then the machine is running
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And pte(va)->Valid is 1
    And pte(va + 0x1000)->Valid is 0
    And SystemPtesInUse is ptes0 + 1
    When the driver calls MmUnlockPages(mdl)
    Then pte(va)->Valid is 1
    And SystemPtesInUse is ptes0 + 1
  @ddi:MmUnmapLockedPages
  Scenario: Unmapping twice bug-checks SYSTEM_PTE_MISUSE (6, MDL, address, pages)
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnmapLockedPages(va, mdl)                                |
      | MmUnmapLockedPages(va, mdl)                                |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (6, mdl, va, 2)

  @ddi:MmUnlockPages @ddi:MmMapLockedPagesSpecifyCache
  Scenario: MmUnlockPages does not remove a UserMode mapping: it is not recorded in the MDL
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)                                     |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                                         |
      | uva = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority) |
      | MmUnlockPages(mdl)                                                                       |
    Then pte(uva)->Valid is 1
    And pte(uva)->PageFrameNumber is pte(buf)->PageFrameNumber
