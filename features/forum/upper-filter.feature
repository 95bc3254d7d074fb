@forum @io @source:ntdev-2006
Feature: The thread's upper filter, and how the I/O manager cleans up a METHOD_xxx_DIRECT MDL

  The poster's filter sits above a function driver. For a METHOD_NEITHER IOCTL it locks the
  caller's output buffer in the caller's context (IoAllocateMdl + MmProbeAndLockPages(UserMode)
  inside __try/__except), maps it with MmGetSystemAddressForMdlSafe, reads it in its completion
  routine — at DISPATCH_LEVEL in an arbitrary process when the function driver completes from a
  DPC — and cleans up. Each cleanup of the thread is run here; the outcome is read from the
  machine. The filter is ntspec.drivers.UpperFilter; it copies what it read into its nonpaged
  capture buffer, named capture.
  Sources: the thread (https://community.osr.com/t/method-neither-ioctl-and-mapping/24522); MS "Using Neither Buffered Nor Direct I/O", MmUnlockPages,
  MmUnmapLockedPages; ReactOS mdlsup.c and irp.c.

  Background:
    Given a machine
    And a user process "app"
    And a user process "other"
    And "other" is running on processor 1
    And "app" is running on processor 0
    And "app" allocates 0x2000 of PAGE_READWRITE memory as out
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_NEITHER, FILE_ANY_ACCESS) is noted as IOCTL_NEITHER
    And the function driver "Func.sys" with a device "\Device\Func" using DO_BUFFERED_IO that pends its requests
    And "Func.sys" replies "data for the filter"
    And SystemPtesInUse is noted as ptes0

  Scenario Outline: cleaning up by <cleanup> after a completion from a DPC in another process is clean
    Given the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by <cleanup>
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    Then app->NumberOfLockedPages is 1
    And SystemPtesInUse is ptes0 + 1
    When "Func.sys" completes its pending requests from a DPC on processor 1
    Then r->ReturnValue is STATUS_SUCCESS
    And the driver reads "data for the filter" at capture
    And app->NumberOfLockedPages is 0
    And SystemPtesInUse is ptes0
    When "app" exits
    Then the machine is running

    Examples:
      | cleanup                |
      | unmap, unlock and free |
      | unlock and free        |

  Scenario: once the filter is unloaded, requests reach the function driver directly and nothing is locked
    Given the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by unlock and free
    When "Filter.sys" is unloaded
    And "app" opens "\Device\Func" as h
    And "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    Then app->NumberOfLockedPages is 0
    And SystemPtesInUse is ptes0
    When "Func.sys" completes its pending requests from a DPC on processor 1
    Then r->ReturnValue is STATUS_SUCCESS
    And "app" reads "data for the filter" at out+0x10

  Scenario: cleaning up by unlocking then unmapping bug-checks SYSTEM_PTE_MISUSE: the unlock already unmapped
    Given the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by unlock then unmap
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    And "Func.sys" completes its pending requests from a DPC on processor 1
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (6, *, *, 1)

  Scenario: cleaning up by freeing the MDL only leaks the lock, found when the process exits
    Given the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by free only
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    And "Func.sys" completes its pending requests from a DPC on processor 1
    Then r->ReturnValue is STATUS_SUCCESS
    And app->NumberOfLockedPages is 1
    And SystemPtesInUse is ptes0 + 1
    When "app" exits
    Then the machine bug-checked with PROCESS_HAS_LOCKED_PAGES (0, app, 1, 0)

  Scenario: without an MDL, the completion routine in the DPC reads the user address in another process: 0xD1
    Given the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by no MDL, touching the user address
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    And "Func.sys" completes its pending requests from a DPC on processor 1
    Then the machine bug-checked with DRIVER_IRQL_NOT_LESS_OR_EQUAL (out + 0x10, 2, 0, *)

  Scenario: without an MDL, the same address in the other process holds the other process's data
    Given "other" allocates 0x2000 of PAGE_READWRITE memory at out as theirs
    And "other" writes "other process's secret" at out+0x10
    And "other" is running on processor 1
    And "app" is running on processor 0
    And the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by no MDL, touching the user address
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    And "Func.sys" completes its pending requests from a DPC on processor 1
    Then the driver reads "other process's sec" at capture
    And "app" reads "data for the filter" at out+0x10

  Scenario: completed at once in the caller's context, even the raw user address reads the caller's data
    Given the function driver "Now.sys" with a device "\Device\Now" using DO_BUFFERED_IO
    And "Now.sys" replies "data for the filter"
    And the thread's upper filter "Filter.sys" on "\Device\Now", cleaning up by no MDL, touching the user address
    And "app" opens "\Device\Now" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And the driver reads "data for the filter" at capture

  # "How does the I/O manager clean up the MDL for METHOD_xxx_DIRECT?" (the thread's second question)
  @ddi:MmUnlockPages @ddi:IoFreeMdl
  Scenario: for METHOD_OUT_DIRECT the I/O manager unlocks the MDL in stage 1 — releasing the driver's mapping — and frees it in stage 2
    Given a driver "Direct.sys" with a device "\Device\Direct"
    And "Direct.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | mdl = Irp->MdlAddress                                      |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | RtlCopyMemory(va, "written via the MDL", 19)               |
      | mapped = SystemPtesInUse                                   |
      | pending = Irp                                              |
      | IoMarkIrpPending(Irp)                                      |
      | return STATUS_PENDING                                      |
    And "app" opens "\Device\Direct" as h
    When "app" calls DeviceIoControl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_OUT_DIRECT, FILE_ANY_ACCESS), NULL, 0, out, 0x1800) as r
    Then mapped is ptes0 + 2
    And mdl->MdlFlags has MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_WRITE_OPERATION
    When "Direct.sys" runs a DPC on processor 1:
      | pending->IoStatus.Status = STATUS_SUCCESS      |
      | pending->IoStatus.Information = 19             |
      | IoCompleteRequest(pending, IO_NO_INCREMENT)    |
    Then r->ReturnValue is STATUS_SUCCESS
    And SystemPtesInUse is ptes0
    And app->NumberOfLockedPages is 0
    And pool(mdl)->OnLookasideList is 1
    And "app" reads "written via the MDL" at out
    And the trace shows, in order:
      | IoCompleteRequest                              |
      | IopCompleteRequest stage 1: MmUnlockPages      |
      | released system PTEs                           |
      | APC IopCompleteRequest queued                  |
      | IopCompleteRequest stage 2: IoFreeMdl          |
