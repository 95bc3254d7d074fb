@forum @mm @source:ntdev-2006
Feature: The ntdev thread "METHOD_NEITHER IOCTL and mapping" (March 2006), answered by the machine

  An upper filter locks a METHOD_NEITHER user buffer with IoAllocateMdl + MmProbeAndLockPages,
  maps it with MmGetSystemAddressForMdlSafe, uses it in its completion routine, and cleans up with
  MmUnmapLockedPages + MmUnlockPages + IoFreeMdl. The poster asked whether MmProbeAndLockPages maps,
  whether MmUnlockPages unmaps, and whether the white paper "User-Mode Interactions: Guidelines for
  Kernel-Mode Drivers" is right. Each scenario answers one question from the machine's state.
  Sources: the thread (https://community.osr.com/t/method-neither-ioctl-and-mapping/24522), MS DDI pages for MmProbeAndLockPages and MmUnlockPages,
  ReactOS mdlsup.c (MmUnlockPages calls MmUnmapLockedPages when MDL_MAPPED_TO_SYSTEM_VA is set).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And "app" writes "hello from user mode" at buf+0x10
    And "app" touches every page of buf for 0x3000
    And SystemPtesInUse is noted as ptes0
    And MmSystemLockPagesCount is noted as locks0

  # https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmprobeandlockpages
  @ddi:MmProbeAndLockPages
  Scenario: [1] MmProbeAndLockPages locks the pages but does not map them
    Given pfn(pte(buf)->PageFrameNumber)->ReferenceCount is noted as refs0
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)    |
    Then mdl->MdlFlags has MDL_PAGES_LOCKED | MDL_WRITE_OPERATION
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And SystemPtesInUse is ptes0
    And MmGetMdlPfnArray(mdl)[0] is pte(buf)->PageFrameNumber
    And pfn(MmGetMdlPfnArray(mdl)[0])->ReferenceCount is refs0 + 1
    And pfn(MmGetMdlPfnArray(mdl)[2])->LockCount is 1
    And mdl->Process is app
    And app->NumberOfLockedPages is 3
    And MmSystemLockPagesCount is locks0 + 3

  @ddi:MmProbeAndLockPages
  Scenario: [1b] MmProbeAndLockPages makes a paged-out buffer resident before it locks it
    Given the working set of "app" is trimmed to the paging file
    And HardFaults is noted as hardFaults0
    Then pte(buf)->Valid is 0
    And pte(buf)->PageFileLow is 1
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    Then pte(buf)->Valid is 1
    And HardFaults is hardFaults0 + 3
    And MmGetMdlPfnArray(mdl)[0] is pte(buf)->PageFrameNumber
    And pfn(MmGetMdlPfnArray(mdl)[0])->LockCount is 1
    And SystemPtesInUse is ptes0
    And the driver reads "hello from user mode" at buf+0x10

  # https://learn.microsoft.com/windows-hardware/drivers/kernel/mm-bad-pointer (MmGetSystemAddressForMdlSafe)
  @ddi:MmGetSystemAddressForMdlSafe
  Scenario: [2] MmGetSystemAddressForMdlSafe maps the locked pages into system space, once
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)          |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
    Then mdl->MdlFlags has MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED
    And va is mdl->MappedSystemVa
    And SystemPtesInUse is ptes0 + 3
    And pte(va)->Owner is 0
    And pte(va)->PageFrameNumber is MmGetMdlPfnArray(mdl)[0]
    And pte(va + 0x1000)->PageFrameNumber is MmGetMdlPfnArray(mdl)[1]
    And pte(va + 0x2000)->PageFrameNumber is MmGetMdlPfnArray(mdl)[2]
    And the driver reads "hello from user mode" at va+0x10
    When the driver writes "written through the system address" at va+0x1800
    Then "app" reads "written through the system address" at buf+0x1800
    When the driver calls again = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)
    Then again is va
    And SystemPtesInUse is ptes0 + 3

  # https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmunlockpages
  @ddi:MmUnlockPages
  Scenario: [3] MmUnlockPages on a mapped MDL also releases its system mapping
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)          |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnlockPages(mdl)                                         |
    Then mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED
    And SystemPtesInUse is ptes0
    And pte(va)->Valid is 0
    And app->NumberOfLockedPages is 0
    And MmSystemLockPagesCount is locks0
    When the driver reads 1 byte at va
    Then the machine bug-checked with PAGE_FAULT_IN_NONPAGED_AREA (va, 0, *, 0)

  @ddi:MmUnmapLockedPages @ddi:MmUnlockPages
  Scenario: [4] The poster's cleanup, unmap then unlock then free, releases everything once
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)          |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnmapLockedPages(va, mdl)                                |
    Then mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And mdl->MdlFlags has MDL_PAGES_LOCKED
    And SystemPtesInUse is ptes0
    When the driver calls:
      | MmUnlockPages(mdl) |
      | IoFreeMdl(mdl)     |
    Then the machine is running
    And SystemPtesInUse is ptes0
    And app->NumberOfLockedPages is 0
    And MmSystemLockPagesCount is locks0
    When "app" exits
    Then the machine is running

  @ddi:MmUnmapLockedPages
  Scenario: [5] Unlocking first and then calling MmUnmapLockedPages unmaps twice and bug-checks
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)          |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnlockPages(mdl)                                         |
      | MmUnmapLockedPages(va, mdl)                                |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (6, mdl, va, 3)

  @ddi:IoFreeMdl
  Scenario: [6] IoFreeMdl without MmUnlockPages leaks the lock, and the process exit bug-checks
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)    |
      | page = MmGetMdlPfnArray(mdl)[0]                      |
      | IoFreeMdl(mdl)                                       |
    Then the machine is running
    And app->NumberOfLockedPages is 3
    And pfn(page)->LockCount is 1
    When "app" exits
    Then the machine bug-checked with PROCESS_HAS_LOCKED_PAGES (0, app, 3, 0)

  @whitepaper
  Scenario: [7a] The white paper's "map ... and lock ... by calling MmProbeAndLockPages" is wrong: nothing is mapped
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)    |
    Then mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And SystemPtesInUse is ptes0
    And pfn(MmGetMdlPfnArray(mdl)[0])->ShareCount is 1

  @whitepaper
  Scenario: [7b] The white paper's "unlock and unmap the buffer by calling MmUnlockPages" is right
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)          |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnlockPages(mdl)                                         |
      | IoFreeMdl(mdl)                                             |
    Then SystemPtesInUse is ptes0
    And pte(va)->Valid is 0
    And app->NumberOfLockedPages is 0
    When "app" exits
    Then the machine is running
