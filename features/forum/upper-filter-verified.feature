@forum @verifier @source:ntdev-2006
Feature: The thread's filter under Driver Verifier: "fine with driver verifier" for the right cleanups, a named stop for the wrong one

  The poster says his cleanup is "fine with driver verifier". Here the thread's filter
  (ntspec.drivers.UpperFilter) runs with Driver Verifier's standard settings; its MDL calls go
  through Verifier's thunks. The poster's cleanup (unmap, unlock, free) and the answer's (unlock,
  free) raise nothing; unlocking and then unmapping is stopped by Verifier at the unmap, as
  0xC4/0xB6, instead of the free build's SYSTEM_PTE_MISUSE.
  Sources: the thread (https://community.osr.com/t/method-neither-ioctl-and-mapping/24522);
  https://learn.microsoft.com/windows-hardware/drivers/devtest/automatic-checks;
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation.

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
    And Driver Verifier is enabled for "Filter.sys" with standard settings

  Scenario Outline: cleaning up by <cleanup> raises nothing under Verifier
    Given the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by <cleanup>
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    And "Func.sys" completes its pending requests from a DPC on processor 1
    Then r->ReturnValue is STATUS_SUCCESS
    And the driver reads "data for the filter" at capture
    And app->NumberOfLockedPages is 0
    When "app" exits
    Then the machine is running

    Examples:
      | cleanup                |
      | unmap, unlock and free |
      | unlock and free        |

  Scenario: cleaning up by unlocking then unmapping: Verifier stops the unmap, 0xC4/0xB6
    Given the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by unlock then unmap
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    And "Func.sys" completes its pending requests from a DPC on processor 1
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB6, *, *, MDL_MAPPED_TO_SYSTEM_VA)

  Scenario: cleaning up by freeing the MDL only: Verifier stops IoFreeMdl of a still-mapped MDL, 0xC4/0xB8
    # Without Verifier the lock leaks until the process exits (PROCESS_HAS_LOCKED_PAGES).
    Given the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by free only
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    And "Func.sys" completes its pending requests from a DPC on processor 1
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB8, *, *, 0)

  Scenario Outline: on the checked kernel, cleaning up by <cleanup> asserts nothing
    Given the machine runs the checked kernel
    And the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by <cleanup>
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    And "Func.sys" completes its pending requests from a DPC on processor 1
    Then r->ReturnValue is STATUS_SUCCESS
    And the machine is running

    Examples:
      | cleanup                |
      | unmap, unlock and free |
      | unlock and free        |

  Scenario: without an MDL, reading the user address in a DPC in another process: 0xD1 with or without Verifier
    # Force IRQL Checking trims system pageable memory, not user pages; what catches this filter
    # is the completion running in another process at DISPATCH_LEVEL, whatever Verifier does.
    Given the thread's upper filter "Filter.sys" on "\Device\Func", cleaning up by no MDL, touching the user address
    And "app" opens "\Device\Func" as h
    When "app" calls DeviceIoControl(h, IOCTL_NEITHER, NULL, 0, out + 0x10, 0x100) as r
    And "Func.sys" completes its pending requests from a DPC on processor 1
    Then the machine bug-checked with DRIVER_IRQL_NOT_LESS_OR_EQUAL (out + 0x10, 2, 0, *)
