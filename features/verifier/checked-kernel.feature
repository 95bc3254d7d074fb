@verifier
Feature: The checked kernel: the ASSERTs Microsoft documents for the MDL routines stop the misuse the free build lets through

  The checked ("debug") kernel keeps the ASSERTs the free build compiles out; a failed one breaks
  into the debugger with the expression. The machine records it and stops there. Correct code
  asserts nothing.
  Source: https://learn.microsoft.com/windows-hardware/drivers/devtest/checked-build-asserts
  (ReactOS ntoskrnl/mm/ARM3/mdlsup.c asserts the same conditions).

  Background:
    Given a machine
    And the machine runs the checked kernel
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf

  Scenario: lock, map, unmap, unlock and free asserts nothing
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)          |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnmapLockedPages(va, mdl)                                |
      | MmUnlockPages(mdl)                                         |
      | IoFreeMdl(mdl)                                             |
    Then the machine is running

  Scenario: unlocking and then unmapping: the unmap asserts the MDL is mapped
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)          |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnlockPages(mdl)                                         |
      | MmUnmapLockedPages(va, mdl)                                |
    Then the checked kernel asserted "(Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) != 0" in MmUnmapLockedPages

  Scenario: unlocking an MDL that was never locked
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmUnlockPages(mdl)                                   |
    Then the checked kernel asserted "(Mdl->MdlFlags & MDL_PAGES_LOCKED) != 0" in MmUnlockPages

  Scenario: probing an MDL built by MmBuildMdlForNonPagedPool
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x1000, 0x74736554) |
      | mdl = IoAllocateMdl(p, 0x1000, FALSE, FALSE, NULL)          |
      | MmBuildMdlForNonPagedPool(mdl)                              |
      | MmProbeAndLockPages(mdl, KernelMode, IoReadAccess)          |
    Then the checked kernel asserted "(Mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL | MDL_IO_SPACE)) == 0" in MmProbeAndLockPages

  Scenario: mapping an MDL a second time
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)                                     |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                                         |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)                               |
      | MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority) |
    Then the checked kernel asserted "(Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL_HAS_BEEN_MAPPED)) == 0" in MmMapLockedPagesSpecifyCache

  Scenario: IoAllocateMdl of 0 bytes, which the free build serves
    When the driver calls IoAllocateMdl(buf, 0, FALSE, FALSE, NULL)
    Then the checked kernel asserted "Length != 0" in IoAllocateMdl
